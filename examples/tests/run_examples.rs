//! Runs every example end to end and checks what it wrote.
//!
//! Each example file is compiled here as a module, and its `run` function, the whole program
//! but for the choice of output, is called with a buffer in place of stdout. This needs no
//! second build and no subprocess, so it stays quick in `cargo test --workspace`, and it
//! never reaches the real API: quickstart is told that no token is set.

use nf_client::BoxError;

// Each example's `main` only hands stdout to `run`; here `run` is called directly.
#[allow(
    dead_code,
    reason = "the example's main is its entry point as a program"
)]
#[path = "../quickstart.rs"]
mod quickstart;

#[allow(
    dead_code,
    reason = "the example's main is its entry point as a program"
)]
#[path = "../pagination.rs"]
mod pagination;

#[allow(
    dead_code,
    reason = "the example's main is its entry point as a program"
)]
#[path = "../errors.rs"]
mod errors;

#[allow(
    dead_code,
    reason = "the example's main is its entry point as a program"
)]
#[path = "../custom_layer.rs"]
mod custom_layer;

#[allow(
    dead_code,
    reason = "the example's main is its entry point as a program"
)]
#[path = "../custom_transport.rs"]
mod custom_transport;

#[allow(
    dead_code,
    reason = "the example's main is its entry point as a program"
)]
#[path = "../contexts.rs"]
mod contexts;

/// The output as lines.
fn lines(out: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(out)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The lines after the one equal to `title`, up to the next line that is not indented.
fn section(lines: &[String], title: &str) -> Vec<String> {
    lines
        .iter()
        .skip_while(|line| *line != title)
        .skip(1)
        .take_while(|line| line.starts_with(' '))
        .map(|line| line.trim().to_owned())
        .collect()
}

#[tokio::test]
async fn quickstart_names_the_emulator_first_and_lists_the_project_it_created()
-> Result<(), BoxError> {
    let mut out = Vec::new();
    quickstart::run(false, &mut out).await?;
    let lines = lines(&out);

    let first = "No NORTHFLANK_API_TOKEN or NF_API_TOKEN: using the embedded nf-mock emulator";
    assert!(
        lines[0].starts_with(&format!("{first} at http://127.0.0.1:")),
        "{lines:#?}"
    );
    let before = section(&lines, "Projects before (2):");
    assert_eq!(
        before,
        ["- project-1 (project-1)", "- project-2 (project-2)"]
    );
    assert!(
        lines.contains(&"Created project `quickstart-example` (pending_initialization)".to_owned())
    );
    let after = section(&lines, "Projects after (3):");
    assert!(
        after.contains(&"- quickstart-example (quickstart-example)".to_owned()),
        "{lines:#?}"
    );
    // The headers of the third request: list, create, list.
    let rate_limit = lines
        .iter()
        .find(|line| line.starts_with("Rate limit:"))
        .ok_or("no rate-limit line")?;
    assert!(
        rate_limit.starts_with("Rate limit: limit 1000, remaining 997, reset in "),
        "{rate_limit}"
    );
    assert_eq!(
        lines.last().map(String::as_str),
        Some("Deleted project `quickstart-example`")
    );
    Ok(())
}

#[tokio::test]
async fn pagination_walks_120_projects_four_ways() -> Result<(), BoxError> {
    let mut out = Vec::new();
    pagination::run(&mut out).await?;
    let lines = lines(&out);

    assert!(lines[0].ends_with("holds 120 projects"), "{lines:#?}");
    assert_eq!(
        lines[1..],
        [
            "First page: 50 projects, next page: true",
            "Second page: 50 projects, from project-51 to project-100",
            "Pages by next_page(): 3",
            "Streamed: 120 projects in 3 requests, the last `project-120`",
            "First five: project-1, project-2, project-3, project-4, project-5 (1 request)",
            "All: 120 projects (pagination count 120)",
        ]
    );
    Ok(())
}

#[tokio::test]
async fn errors_shows_404_409_and_400_in_both_styles() -> Result<(), BoxError> {
    let mut out = Vec::new();
    errors::run(&mut out).await?;
    let text = String::from_utf8_lossy(&out);
    let (default_style, response_style) = text
        .split_once("Response style")
        .ok_or("no response-style section")?;

    for expected in [
        "status:  404",
        "id:      not-found",
        "message: project `no-such-project` not found",
        "status:  409",
        "id:      conflict",
        "retryable: false",
        "status:  400",
        "id:      validation-error",
        r#"details: [{"path":"body.name","message":"must be a string, not a number"}]"#,
    ] {
        assert!(default_style.contains(expected), "{expected}\n{text}");
    }
    for expected in [
        "status:  404",
        "id:      not-found",
        "status:  409",
        "id:      conflict",
        "get an existing project: 200 `duplicate`",
    ] {
        assert!(response_style.contains(expected), "{expected}\n{text}");
    }
    Ok(())
}

#[tokio::test]
async fn custom_layer_sees_one_call_but_two_attempts_for_a_retried_503() -> Result<(), BoxError> {
    let mut out = Vec::new();
    custom_layer::run(&mut out).await?;
    let lines = lines(&out);

    assert_eq!(lines[..2], ["Listed 3 projects", "Listed 3 projects again"]);
    let calls = section(&lines, "Calls, as the outer layer saw them:");
    assert_eq!(calls.len(), 2, "{lines:#?}");
    assert!(
        calls
            .iter()
            .all(|line| line.starts_with("GET /v1/projects -> 200 OK in ")),
        "{calls:#?}"
    );

    let attempts = section(&lines, "Attempts, as the attempt layer saw them:");
    assert_eq!(attempts.len(), 3, "{lines:#?}");
    let expected = [
        "(attempt 1) -> 503 Service Unavailable",
        "(attempt 2) -> 200 OK",
        "(attempt 1) -> 200 OK",
    ];
    for (line, expected) in attempts.iter().zip(expected) {
        assert!(line.starts_with("GET http://127.0.0.1:"), "{line}");
        assert!(line.contains(expected), "{line} should contain {expected}");
    }
    Ok(())
}

#[tokio::test]
async fn custom_transport_answers_from_memory_and_records_each_request() -> Result<(), BoxError> {
    let mut out = Vec::new();
    custom_transport::run(&mut out).await?;

    assert_eq!(
        lines(&out),
        [
            "Projects before: 0",
            "Created `canned` (created)",
            "Projects after: canned",
            "Rate limit from the canned headers: 97 of 100 left",
            "get.project: 404 the canned API has no such route (not-found)",
            "Requests the transport received:",
            "  GET https://api.northflank.com/v1/projects with a token",
            "  POST https://api.northflank.com/v1/projects with a token",
            "  GET https://api.northflank.com/v1/projects with a token",
            "  GET https://api.northflank.com/v1/projects/canned with a token",
        ]
    );
    Ok(())
}

#[tokio::test]
async fn contexts_switches_hosts_and_never_prints_a_token() -> Result<(), BoxError> {
    let mut out = Vec::new();
    contexts::run(&mut out).await?;
    let text = String::from_utf8_lossy(&out);
    let lines = lines(&out);

    // The file is in a temporary directory, never the user's home.
    let written = lines[0]
        .strip_prefix("Wrote ")
        .and_then(|rest| rest.split_once(';'))
        .map(|(path, _)| std::path::PathBuf::from(path))
        .ok_or("no path line")?;
    assert!(written.starts_with(std::env::temp_dir()), "{written:?}");
    assert!(written.ends_with(".northflank/config.json"));
    assert!(
        !written.exists(),
        "the temporary directory is removed at the end"
    );

    assert!(
        lines[1].starts_with("    work on http://127.0.0.1:"),
        "{text}"
    );
    assert!(
        lines[2].starts_with("  * staging on http://127.0.0.1:"),
        "{text}"
    );
    assert!(
        text.contains("Read back: current `work` on http://127.0.0.1:"),
        "{text}"
    );
    assert!(text.contains(", default project project-2"), "{text}");
    assert!(text.contains(r#""project": "project-2""#), "{text}");
    assert!(!text.contains("nf-work-token") && !text.contains("nf-staging-token"));
    assert!(text.contains("[redacted]"));
    assert_eq!(
        lines[lines.len() - 3..],
        [
            "Default project through `work`: project-2",
            "Projects through `work`: 3",
            "Projects through `staging`: 1",
        ]
    );
    Ok(())
}
