//! End-to-end scenarios over loopback against the emulator `nf-mock`: pagination of a
//! thousand projects, the rate limit under concurrent callers in both modes, injected faults
//! on reads and writes, and bodies that are not the API's envelope. Each scenario reads the
//! emulator's journal to check what the client really sent, not only what it returned.

// The scenarios call the `projects` group of the operation tree.
#![cfg(feature = "projects")]

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant, SystemTime};

use futures_util::TryStreamExt;
use http::{Method, StatusCode};
use nf_client::{ApiClient, ApiClientBuilder, DecodeCause, Error, RateLimitMode, RetryConfig};
use nf_mock::{Fault, FaultRule, JournalEntry, MockConfig, MockServer, Outcome, ResourceKind};
use nf_types::projects::CreateProjectBody;

const TOKEN: &str = "nf-mock-token-e2e7";

/// Items per page in the pagination scenario, small so that a thousand items make many pages.
const PER_PAGE: usize = 7;

/// An emulator whose rate limit stays out of the way of scenarios that do not test it.
async fn emulator() -> MockServer {
    emulator_with(MockConfig::new().rate_limit(1_000_000, Duration::from_secs(3600))).await
}

async fn emulator_with(config: MockConfig) -> MockServer {
    MockServer::start(config.token(TOKEN))
        .await
        .expect("the emulator starts")
}

/// A client of `server`, set up further by `setup`.
fn client(
    server: &MockServer,
    setup: impl FnOnce(ApiClientBuilder) -> ApiClientBuilder,
) -> ApiClient {
    setup(
        ApiClient::builder()
            .token(TOKEN)
            .base_url(server.base_url()),
    )
    .build()
    .expect("the client")
}

/// Retries as by default, with backoff short enough for a test.
fn quick_retries() -> RetryConfig {
    let mut retry = RetryConfig::default();
    retry.initial_backoff = Duration::from_millis(5);
    retry.max_backoff = Duration::from_millis(40);
    retry
}

fn entries_of(server: &MockServer, operation: &str) -> Vec<JournalEntry> {
    server
        .journal()
        .entries()
        .into_iter()
        .filter(|entry| entry.operation == Some(operation))
        .collect()
}

fn count_of(server: &MockServer, operation: &str) -> usize {
    entries_of(server, operation).len()
}

#[tokio::test]
async fn a_thousand_projects_in_pages_of_seven_arrive_once_each() {
    let server = emulator().await;
    let ids = server.seed_projects(1000);
    let client = client(&server, |builder| builder.retry(RetryConfig::disabled()));
    let pages = 1000usize.div_ceil(PER_PAGE);
    assert_eq!(pages, 143);

    // The stream fetches a page only once the items before it are used up.
    let mut stream = client
        .list()
        .projects()
        .map(|request| request.with_per_page(PER_PAGE as i64))
        .stream();
    assert_eq!(
        count_of(&server, "list.projects"),
        0,
        "nothing before a poll"
    );
    let mut streamed = Vec::new();
    while let Some(project) = stream.try_next().await.expect("every page") {
        streamed.push(project.id);
        let taken = streamed.len();
        assert_eq!(
            count_of(&server, "list.projects"),
            taken.div_ceil(PER_PAGE),
            "pages fetched after {taken} items"
        );
    }
    assert_eq!(streamed.len(), 1000);
    assert_eq!(streamed, ids, "every id once, in creation order");
    assert_eq!(streamed.iter().collect::<HashSet<_>>().len(), 1000);
    let requests = entries_of(&server, "list.projects");
    assert_eq!(requests.len(), pages);
    assert!(
        requests
            .iter()
            .all(|entry| entry.query_value("per_page").as_deref() == Some("7")),
        "every page asked with the same size"
    );
    assert!(requests[0].query_value("cursor").is_none());
    let cursors: HashSet<_> = requests
        .iter()
        .skip(1)
        .map(|entry| {
            entry
                .query_value("cursor")
                .expect("a cursor after page one")
        })
        .collect();
    assert_eq!(cursors.len(), pages - 1, "no page asked twice");

    // `all()` merges the same pages into one response.
    server.journal().clear();
    let all = client
        .list()
        .projects()
        .map(|request| request.with_per_page(PER_PAGE as i64))
        .all()
        .await
        .expect("every page");
    assert_eq!(
        all.pagination.as_ref().and_then(|page| page.count),
        Some(1000)
    );
    let merged: Vec<String> = all
        .into_data()
        .expect("data")
        .projects
        .into_iter()
        .map(|project| String::from(project.id))
        .collect();
    assert_eq!(merged, ids);
    assert_eq!(count_of(&server, "list.projects"), pages);

    // Page by page by hand, until there is no next one.
    server.journal().clear();
    let mut page = client
        .list()
        .projects()
        .map(|request| request.with_per_page(PER_PAGE as i64))
        .send()
        .await
        .expect("the first page");
    let mut by_hand = Vec::new();
    let mut fetched = 1;
    loop {
        let next = page.next_page().await.expect("the next page");
        let data = page.into_data().expect("data");
        assert!(data.projects.len() <= PER_PAGE);
        by_hand.extend(data.projects.into_iter().map(|project| project.id));
        match next {
            Some(next) => {
                page = next;
                fetched += 1;
            }
            None => break,
        }
    }
    assert_eq!(fetched, pages);
    assert_eq!(by_hand, ids);
    assert_eq!(
        count_of(&server, "list.projects"),
        pages,
        "no request past the last page"
    );
    // Closes the client's idle keep-alive connections before the emulator stops.
    drop(client);
    server.shutdown().await;
}

/// Requests per window as the emulator counts them: a window opens at the first request
/// after the previous one ended.
fn per_window(entries: &[JournalEntry], window: Duration) -> Vec<usize> {
    // The journal is in the order answers finished; windows follow the order of arrival.
    let mut arrivals: Vec<SystemTime> = entries.iter().map(|entry| entry.received_at).collect();
    arrivals.sort_unstable();
    let mut counts: Vec<usize> = Vec::new();
    let mut start: Option<SystemTime> = None;
    for received_at in arrivals {
        let open = start.is_some_and(|start| {
            received_at
                .duration_since(start)
                .map_or(true, |since| since < window)
        });
        match counts.last_mut() {
            Some(count) if open => *count += 1,
            _ => {
                start = Some(received_at);
                counts.push(1);
            }
        }
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_for_the_rate_limit_never_lets_a_429_through() {
    const LIMIT: u32 = 1000;
    // Long enough for a debug build on two busy cores to spend the budget inside the first window.
    const WINDOW: Duration = Duration::from_secs(5);
    let server = emulator_with(MockConfig::new().rate_limit(LIMIT, WINDOW)).await;
    server.seed_projects(1);
    let client = client(&server, |builder| {
        builder
            .rate_limit(RateLimitMode::Wait {
                max_wait: Duration::from_secs(10),
            })
            .retry(RetryConfig::disabled())
    });

    // 1,500 calls from 8 tasks sharing one client's rate-limit state.
    let started = Instant::now();
    let tasks: Vec<_> = (0..8)
        .map(|task| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut failures = Vec::new();
                for _ in (task..1500).step_by(8) {
                    if let Err(error) = client.get().project("project-1").await {
                        failures.push(error);
                    }
                }
                failures
            })
        })
        .collect();
    for task in tasks {
        let failures = task.await.expect("the task");
        assert!(failures.is_empty(), "every call succeeds: {failures:?}");
    }
    let elapsed = started.elapsed();

    let entries = server.journal().entries();
    assert_eq!(entries.len(), 1500, "one request per call, none repeated");
    let refused: Vec<Outcome> = entries
        .iter()
        .map(|entry| entry.outcome)
        .filter(|outcome| *outcome != Outcome::Answered(StatusCode::OK))
        .collect();
    assert!(
        refused.is_empty(),
        "no 429 nor other failure answered: {refused:?}"
    );
    let windows = per_window(&entries, WINDOW);
    assert!(
        windows.iter().all(|count| *count <= LIMIT as usize),
        "the budget holds in every window: {windows:?}"
    );
    // The first window used up its budget, so the client did wait for the second.
    assert_eq!(windows.first(), Some(&(LIMIT as usize)), "{windows:?}");
    assert!(
        elapsed >= WINDOW,
        "waited for the window to end ({elapsed:?})"
    );
    // Closes the client's idle keep-alive connections before the emulator stops.
    drop(client);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_fast_refuses_calls_past_the_budget_without_sending_them() {
    const LIMIT: u32 = 1000;
    let server = emulator_with(MockConfig::new().rate_limit(LIMIT, Duration::from_secs(600))).await;
    server.seed_projects(1);
    let client = client(&server, |builder| {
        builder
            .rate_limit(RateLimitMode::FailFast)
            .retry(RetryConfig::disabled())
    });

    let tasks: Vec<_> = (0..8)
        .map(|task| {
            let client = client.clone();
            tokio::spawn(async move {
                let (mut sent, mut refused) = (0usize, 0usize);
                for _ in (task..1500).step_by(8) {
                    let started = Instant::now();
                    match client.get().project("project-1").await {
                        Ok(_) => sent += 1,
                        Err(Error::RateLimited { reset_in, .. }) => {
                            assert!(
                                started.elapsed() < Duration::from_millis(500),
                                "refused at once, not after a wait"
                            );
                            assert!(reset_in.is_some_and(|reset| reset > Duration::ZERO));
                            refused += 1;
                        }
                        Err(error) => panic!("neither a success nor a refusal: {error:?}"),
                    }
                }
                (sent, refused)
            })
        })
        .collect();
    let (mut sent, mut refused) = (0, 0);
    for task in tasks {
        let (task_sent, task_refused) = task.await.expect("the task");
        sent += task_sent;
        refused += task_refused;
    }
    assert_eq!(sent, LIMIT as usize, "the whole budget is used");
    assert_eq!(refused, 1500 - LIMIT as usize);
    let entries = server.journal().entries();
    assert_eq!(
        entries.len(),
        LIMIT as usize,
        "refused calls were never sent"
    );
    assert!(
        entries
            .iter()
            .all(|entry| entry.outcome == Outcome::Answered(StatusCode::OK))
    );

    // Still refused later, and still nothing sent.
    let error = client
        .get()
        .project("project-1")
        .await
        .expect_err("the budget is spent");
    assert!(matches!(error, Error::RateLimited { .. }), "{error:?}");
    assert!(error.is_retryable());
    assert_eq!(server.journal().len(), LIMIT as usize);
    // Closes the client's idle keep-alive connections before the emulator stops.
    drop(client);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_survive_faults_and_writes_are_never_sent_twice() {
    let server = emulator().await;
    let ids = server.seed_projects(30);
    let client = client(&server, |builder| builder.retry(quick_retries()));

    // About one GET in ten fails, the same ones on every run.
    let faults = server.faults();
    faults.add(
        FaultRule::new(Fault::Status(StatusCode::SERVICE_UNAVAILABLE))
            .method(Method::GET)
            .probability(0.05, 17),
    );
    faults.add(
        FaultRule::new(Fault::DropBeforeAnswer)
            .method(Method::GET)
            .probability(0.05, 29),
    );
    let tasks: Vec<_> = (0..4)
        .map(|task| {
            let (client, ids) = (client.clone(), ids.clone());
            tokio::spawn(async move {
                for call in (task..300).step_by(4) {
                    let id = &ids[call % ids.len()];
                    let project = client.get().project(id.as_str()).await;
                    let project = project.unwrap_or_else(|error| panic!("GET {id}: {error:?}"));
                    assert_eq!(&project.into_data().expect("data").id, id);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("every GET succeeds");
    }
    let gets = entries_of(&server, "get.project");
    let answered = |status| {
        gets.iter()
            .filter(|entry| entry.outcome == Outcome::Answered(status))
            .count()
    };
    let unavailable = answered(StatusCode::SERVICE_UNAVAILABLE);
    let dropped = gets
        .iter()
        .filter(|entry| entry.outcome == Outcome::DroppedBeforeAnswer)
        .count();
    assert_eq!(answered(StatusCode::OK), 300);
    assert!(unavailable > 0 && dropped > 0, "faults were injected");
    assert_eq!(
        gets.len(),
        300 + unavailable + dropped,
        "no outcome but success and the two faults"
    );

    // Writes: a POST that may have reached the server is never sent again.
    faults.clear();
    server.journal().clear();
    faults.add(
        FaultRule::new(Fault::Status(StatusCode::SERVICE_UNAVAILABLE))
            .method(Method::POST)
            .probability(0.1, 41),
    );
    faults.add(
        FaultRule::new(Fault::DropMidBody)
            .method(Method::POST)
            .probability(0.1, 43),
    );
    faults.add(
        FaultRule::new(Fault::DropBeforeAnswer)
            .method(Method::POST)
            .probability(0.1, 47),
    );
    let mut failed = BTreeMap::new();
    for n in 0..50 {
        let name = format!("scenario-{n}");
        if let Err(error) = client.create().project(CreateProjectBody::new(&name)).await {
            failed.insert(name, error);
        }
    }
    let posts = entries_of(&server, "create.project");
    let mut names = HashSet::new();
    for entry in &posts {
        assert_eq!(entry.method, Method::POST);
        let name = entry
            .json()
            .and_then(|body| body["name"].as_str().map(str::to_owned))
            .expect("a name in the body");
        assert!(names.insert(name.clone()), "{name} was sent twice");
    }
    assert_eq!(posts.len(), 50, "each create sent exactly once");
    let faulted: BTreeMap<String, Outcome> = posts
        .iter()
        .filter(|entry| entry.outcome != Outcome::Answered(StatusCode::OK))
        .filter_map(|entry| {
            let name = entry.json()?["name"].as_str()?.to_owned();
            Some((name, entry.outcome))
        })
        .collect();
    assert!(!faulted.is_empty(), "faults were injected");
    assert_eq!(
        failed.keys().collect::<Vec<_>>(),
        faulted.keys().collect::<Vec<_>>(),
        "exactly the faulted creates fail"
    );
    for (name, outcome) in &faulted {
        let error = &failed[name];
        match outcome {
            Outcome::Answered(status) => {
                assert_eq!(*status, StatusCode::SERVICE_UNAVAILABLE);
                assert!(
                    matches!(error, Error::Api(api) if api.status == *status),
                    "{error:?}"
                );
            }
            Outcome::DroppedMidBody(_) | Outcome::DroppedBeforeAnswer => {
                assert!(
                    matches!(error, Error::Transport { .. }),
                    "{name}: {error:?}"
                );
            }
            _ => panic!("an outcome the rules do not make: {outcome:?}"),
        }
        assert!(
            error.is_retryable(),
            "the caller may decide to retry {name}"
        );
    }
    // A create cut off mid-answer did happen: why the client must not send it again.
    let cut_off = faulted
        .values()
        .filter(|outcome| matches!(outcome, Outcome::DroppedMidBody(_)))
        .count();
    assert!(cut_off > 0, "a create was cut off mid-answer");
    assert_eq!(
        server.count(ResourceKind::Project, None),
        ids.len() + (50 - failed.len()) + cut_off
    );
    // Closes the client's idle keep-alive connections before the emulator stops.
    drop(client);
    server.shutdown().await;
}

#[tokio::test]
async fn bodies_that_are_not_the_envelope_give_typed_errors() {
    let server = emulator().await;
    let ids = server.seed_projects(20);
    let client = client(&server, |builder| builder.retry(RetryConfig::disabled()));
    let faults = server.faults();
    let get_once = |fault| {
        faults.add(
            FaultRule::new(fault)
                .method(Method::GET)
                .operation("get.project")
                .times(1),
        );
    };

    get_once(Fault::MalformedJson);
    let error = client
        .get()
        .project("project-1")
        .await
        .expect_err("not JSON");
    match &error {
        Error::Decode {
            status,
            snippet,
            source: DecodeCause::NotJson { .. },
            ..
        } => {
            assert_eq!(*status, StatusCode::OK);
            assert!(!snippet.is_empty(), "the body's start comes with the error");
        }
        other => panic!("malformed JSON: {other:?}"),
    }

    get_once(Fault::TruncatedBody);
    let error = client
        .get()
        .project("project-1")
        .await
        .expect_err("cut short");
    match &error {
        Error::Decode {
            snippet,
            source: DecodeCause::NotJson { .. },
            ..
        } => assert!(snippet.starts_with('{'), "{snippet}"),
        other => panic!("truncated body: {other:?}"),
    }

    get_once(Fault::HtmlErrorPage(StatusCode::BAD_GATEWAY));
    let error = client
        .get()
        .project("project-1")
        .await
        .expect_err("a proxy page");
    let api = error.api_error().expect("an API error");
    assert_eq!(api.status, StatusCode::BAD_GATEWAY);
    let snippet = api.body_snippet.as_deref().expect("the page's start");
    assert!(snippet.to_ascii_lowercase().contains("<html"), "{snippet}");
    assert_eq!(
        entries_of(&server, "get.project").len(),
        3,
        "retries are off"
    );

    // A page that does not decode ends a stream after the items before it.
    faults.add(
        FaultRule::new(Fault::MalformedJson)
            .operation("list.projects")
            .path("/v1/projects")
            .times(1),
    );
    let mut stream = client
        .list()
        .projects()
        .map(|request| request.with_per_page(PER_PAGE as i64))
        .stream();
    let error = stream
        .try_next()
        .await
        .expect_err("the first page is spoilt");
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    assert!(stream.try_next().await.expect("ended").is_none());

    // The client keeps working.
    let project = client
        .get()
        .project("project-1")
        .await
        .expect("a clean answer");
    assert_eq!(project.into_data().expect("data").id, "project-1");
    let all = client.list().projects().all().await.expect("every page");
    assert_eq!(all.into_data().expect("data").projects.len(), ids.len());
    // Closes the client's idle keep-alive connections before the emulator stops.
    drop(client);
    server.shutdown().await;
}

#[tokio::test]
async fn a_listing_whose_data_is_the_bare_array_streams_and_merges() {
    // `list.volumes` answers `{"data": [ ... ]}`: the items are the data itself.
    let server = emulator().await;
    let project = server.seed_projects(1).remove(0);
    let ids = server
        .seed_many(ResourceKind::Volume, Some(&project), 50)
        .expect("volumes");
    let client = client(&server, |builder| builder);

    let streamed: Vec<String> = client
        .list()
        .volumes(&project)
        .map(|request| request.with_per_page(PER_PAGE as i64))
        .stream()
        .map_ok(|volume| String::from(volume.id))
        .try_collect()
        .await
        .expect("every volume");
    assert_eq!(streamed, ids);
    let pages = 50_usize.div_ceil(PER_PAGE);
    assert_eq!(count_of(&server, "list.volumes"), pages);

    server.journal().clear();
    let all = client
        .list()
        .volumes(&project)
        .map(|request| request.with_per_page(PER_PAGE as i64))
        .all()
        .await
        .expect("every page");
    assert_eq!(
        all.pagination.as_ref().and_then(|page| page.count),
        Some(50)
    );
    let merged: Vec<String> = all
        .into_data()
        .expect("data")
        .into_iter()
        .map(|volume| String::from(volume.id))
        .collect();
    assert_eq!(merged, ids);
    assert_eq!(count_of(&server, "list.volumes"), pages);
    drop(client);
    server.shutdown().await;
}
