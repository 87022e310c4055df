//! The file provider against the official CLI's `config.json`: format, layout preservation,
//! permissions, atomic replacement, locking across threads and processes, parse errors and
//! token rotation.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use nf_context::{
    Context, ContextDefaults, ContextError, ContextProvider, FileContextProvider, Token, TokenScope,
};

/// A file as the official CLI writes it (tab-indented, no trailing newline), with keys this
/// crate does not know at the top level and inside a context, some of them before known keys.
const CLI_FILE: &str = r#"{
	"telemetry": {
		"enabled": false,
		"id": "b2f8"
	},
	"current": "work",
	"contexts": [
		{
			"name": "work",
			"token": "nf-work-token-0001",
			"host": "https://api.northflank.com",
			"tokenScope": "team",
			"project": "web-app",
			"service": "frontend",
			"job": "nightly",
			"plan": "nf-compute-20",
			"region": "europe-west",
			"teamName": "Ünïcode team",
			"flags": [
				1,
				2.5,
				null,
				true
			]
		},
		{
			"ssoProvider": "okta",
			"name": "personal",
			"token": "nf-personal-token-0002",
			"host": "https://api.example.test",
			"tokenScope": "org"
		}
	],
	"lastUpdateCheck": "2024-05-06T07:08:09.123Z",
	"zzz": "last"
}"#;

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary directory")
}

fn write_cli_file(dir: &Path) -> PathBuf {
    let path = dir.join("config.json");
    fs::write(&path, CLI_FILE).expect("write fixture");
    path
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).expect("read config")
}

/// Every entry of `dir` by name.
fn entries(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .expect("list directory")
        .map(|entry| {
            entry
                .expect("directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

fn assert_only_config_and_lock(dir: &Path) {
    let expected: BTreeSet<String> = ["config.json", "config.json.lock"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(entries(dir), expected, "no temporary file may remain");
}

#[test]
fn reads_the_official_cli_format() {
    let dir = temp_dir();
    let provider = FileContextProvider::new(write_cli_file(dir.path()));

    let current = provider.current().unwrap().expect("a current context");
    assert_eq!(current.name, "work");
    assert_eq!(current.token.expose(), "nf-work-token-0001");
    assert_eq!(current.host, "https://api.northflank.com");
    assert_eq!(current.scope, Some(TokenScope::Team));
    let mut defaults = ContextDefaults::default();
    defaults.project = Some("web-app".into());
    defaults.service = Some("frontend".into());
    defaults.job = Some("nightly".into());
    defaults.plan = Some("nf-compute-20".into());
    defaults.region = Some("europe-west".into());
    assert_eq!(current.defaults, defaults);

    let names: Vec<String> = provider
        .contexts()
        .unwrap()
        .into_iter()
        .map(|context| context.name)
        .collect();
    assert_eq!(names, ["work", "personal"]);
    assert_eq!(
        provider.token().unwrap().map(|t| t.expose().to_owned()),
        Some("nf-work-token-0001".to_owned())
    );
    assert_eq!(provider.base_url().unwrap(), "https://api.northflank.com");

    provider.use_context("personal").unwrap();
    assert_eq!(provider.base_url().unwrap(), "https://api.example.test");
    assert_eq!(provider.token_scope().unwrap(), TokenScope::Org);
}

#[test]
fn a_rewrite_that_changes_nothing_keeps_every_byte() {
    let dir = temp_dir();
    let path = write_cli_file(dir.path());
    let provider = FileContextProvider::new(&path);

    provider.use_context("work").unwrap();
    assert_eq!(read(&path), CLI_FILE);

    // An editor's trailing newline survives too.
    fs::write(&path, format!("{CLI_FILE}\n")).unwrap();
    provider.use_context("work").unwrap();
    assert_eq!(read(&path), format!("{CLI_FILE}\n"));
}

#[test]
fn unknown_keys_survive_each_kind_of_change() {
    let dir = temp_dir();
    let path = write_cli_file(dir.path());
    let provider = FileContextProvider::new(&path);

    provider
        .update_token(Token::new("nf-work-token-rotated"))
        .unwrap();
    let expected = CLI_FILE.replace("nf-work-token-0001", "nf-work-token-rotated");
    assert_eq!(read(&path), expected);

    provider.set_project(Some("api".into())).unwrap();
    let expected = expected.replace("\"project\": \"web-app\"", "\"project\": \"api\"");
    assert_eq!(read(&path), expected);

    provider.set_job(None).unwrap();
    let expected = expected.replace("\t\t\t\"job\": \"nightly\",\n", "");
    assert_eq!(read(&path), expected);

    provider.use_context("personal").unwrap();
    let expected = expected.replace("\"current\": \"work\"", "\"current\": \"personal\"");
    assert_eq!(read(&path), expected);

    // A new context goes last with the canonical key order; everything before is untouched.
    provider
        .add_context(Context::new("ci", "nf-ci-token"), false)
        .unwrap();
    let expected = expected
        .replace("\"current\": \"personal\"", "\"current\": \"ci\"")
        .replace(
            "\t\t\t\"tokenScope\": \"org\"\n\t\t}\n\t],",
            "\t\t\t\"tokenScope\": \"org\"\n\t\t},\n\t\t{\n\t\t\t\"name\": \"ci\",\n\t\t\t\"token\": \"nf-ci-token\",\n\t\t\t\"host\": \"https://api.northflank.com\"\n\t\t}\n\t],",
        );
    assert_eq!(read(&path), expected);

    // Replacing a context's fields keeps its unknown keys and their places.
    let mut personal = provider
        .contexts()
        .unwrap()
        .into_iter()
        .find(|context| context.name == "personal")
        .unwrap();
    personal.defaults.region = Some("us-east".into());
    provider.update_context(personal).unwrap();
    let expected = expected.replace(
        "\"tokenScope\": \"org\"\n",
        "\"tokenScope\": \"org\",\n\t\t\t\"region\": \"us-east\"\n",
    );
    assert_eq!(read(&path), expected);
    assert!(read(&path).contains("\"ssoProvider\": \"okta\""));

    provider.remove_context("work").unwrap();
    let text = read(&path);
    assert!(!text.contains("nf-work-token"));
    assert!(text.starts_with("{\n\t\"telemetry\": {\n\t\t\"enabled\": false,"));
    assert!(
        text.ends_with(
            "\t\"lastUpdateCheck\": \"2024-05-06T07:08:09.123Z\",\n\t\"zzz\": \"last\"\n}"
        )
    );
    assert_only_config_and_lock(dir.path());
}

#[test]
fn a_missing_file_is_an_empty_configuration() {
    let dir = temp_dir();
    let provider = FileContextProvider::new(dir.path().join("absent").join("config.json"));
    assert!(provider.current().unwrap().is_none());
    assert!(provider.contexts().unwrap().is_empty());
    assert!(provider.token().unwrap().is_none());
    assert_eq!(provider.base_url().unwrap(), nf_context::DEFAULT_HOST);
    assert!(
        !dir.path().join("absent").exists(),
        "reading creates nothing"
    );
    assert!(matches!(
        provider.update_token(Token::new("t")),
        Err(ContextError::NoCurrentContext)
    ));
}

#[test]
fn a_new_file_gets_a_host_and_the_cli_layout() {
    let dir = temp_dir();
    let path = dir.path().join(".northflank").join("config.json");
    let provider = FileContextProvider::new(&path);
    provider
        .add_context(Context::new("work", "nf-token"), false)
        .unwrap();
    assert_eq!(
        read(&path),
        "{\n\t\"current\": \"work\",\n\t\"contexts\": [\n\t\t{\n\t\t\t\"name\": \"work\",\n\t\t\t\"token\": \"nf-token\",\n\t\t\t\"host\": \"https://api.northflank.com\"\n\t\t}\n\t]\n}"
    );

    // A second provider, as another program would, reads what the first wrote.
    let other = FileContextProvider::new(&path);
    assert_eq!(other.current().unwrap().unwrap().name, "work");
    assert!(matches!(
        other.add_context(Context::new("work", "other"), false),
        Err(ContextError::AlreadyExists { name }) if name == "work"
    ));
    other
        .add_context(Context::new("work", "replaced"), true)
        .unwrap();
    assert_eq!(provider.token().unwrap().unwrap().expose(), "replaced");
    assert_eq!(provider.contexts().unwrap().len(), 1);
}

#[test]
fn a_context_without_a_host_reads_as_the_default_host() {
    let dir = temp_dir();
    let path = dir.path().join("config.json");
    fs::write(
        &path,
        r#"{"current":"a","contexts":[{"name":"a","token":"t"},{"name":"b"}]}"#,
    )
    .unwrap();
    let provider = FileContextProvider::new(&path);
    assert_eq!(provider.base_url().unwrap(), "https://api.northflank.com");
    provider.use_context("b").unwrap();
    assert!(
        provider.token().unwrap().is_none(),
        "a context without a token has none"
    );
}

#[cfg(unix)]
mod permissions {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_file_and_directory_are_private() {
        let dir = temp_dir();
        let config_dir = dir.path().join(".northflank");
        let path = config_dir.join("config.json");
        FileContextProvider::new(&path)
            .add_context(Context::new("work", "nf-token"), false)
            .unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&config_dir), 0o700);
        assert_eq!(mode(&config_dir.join("config.json.lock")), 0o600);
        assert_only_config_and_lock(&config_dir);
    }

    #[test]
    fn a_rewrite_makes_an_open_file_private() {
        let dir = temp_dir();
        let path = write_cli_file(dir.path());
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let provider = FileContextProvider::new(&path);
        provider.set_region(Some("asia".into())).unwrap();
        assert_eq!(mode(&path), 0o600);
        provider.set_region(None).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_only_config_and_lock(dir.path());
    }

    #[test]
    fn a_symbolic_link_is_kept_and_its_target_replaced() {
        let dir = temp_dir();
        let real_dir = dir.path().join("dotfiles");
        fs::create_dir(&real_dir).unwrap();
        let real = real_dir.join("northflank.json");
        fs::write(&real, CLI_FILE).unwrap();
        let link = dir.path().join("config.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();

        let provider = FileContextProvider::new(&link);
        provider.update_token(Token::new("rotated")).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(read(&real).contains("\"token\": \"rotated\""));
        assert_eq!(entries(&real_dir).len(), 1, "no temporary file may remain");
    }
}

#[test]
fn invalid_json_is_reported_and_never_overwritten() {
    let dir = temp_dir();
    let path = dir.path().join("config.json");
    // Line 5 has a trailing comma; the error is found at the closing brace.
    let broken =
        "{\n\t\"current\": \"a\",\n\t\"contexts\": [\n\t\t{\n\t\t\t\"name\": \"a\",\n\t\t}\n\t]\n}";
    fs::write(&path, broken).unwrap();
    let provider = FileContextProvider::new(&path);

    let check = |error: ContextError| match error {
        ContextError::Parse {
            path: at,
            line,
            column,
            ..
        } => {
            assert_eq!(at, path);
            assert_eq!((line, column), (6, 3));
        }
        other => panic!("expected a parse error, got {other:?}"),
    };
    check(provider.current().unwrap_err());
    check(provider.token().unwrap_err());
    let message = provider.contexts().unwrap_err().to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("line 6, column 3"), "{message}");

    check(
        provider
            .add_context(Context::new("b", "t"), true)
            .unwrap_err(),
    );
    check(provider.remove_context("a").unwrap_err());
    check(provider.set_project(Some("p".into())).unwrap_err());
    check(provider.update_token(Token::new("t")).unwrap_err());
    assert_eq!(fs::read(&path).unwrap(), broken.as_bytes());
    assert_only_config_and_lock(dir.path());
}

#[test]
fn json_of_the_wrong_shape_is_a_parse_error() {
    let dir = temp_dir();
    let path = dir.path().join("config.json");
    for (text, line) in [
        ("", 1),
        ("[]", 1),
        ("{\n\t\"contexts\": 5\n}", 2),
        ("{\"contexts\": [{\"token\": \"t\"}]}", 1),
        ("{\"contexts\": [{\"name\": \"a\", \"project\": 5}]}", 1),
    ] {
        fs::write(&path, text).unwrap();
        let provider = FileContextProvider::new(&path);
        match provider.add_context(Context::new("b", "t"), false) {
            Err(ContextError::Parse { line: at, .. }) => assert_eq!(at, line, "{text}"),
            other => panic!("{text}: expected a parse error, got {other:?}"),
        }
        assert_eq!(read(&path), text);
    }
}

#[test]
fn a_failed_change_writes_nothing() {
    let dir = temp_dir();
    let path = write_cli_file(dir.path());
    let provider = FileContextProvider::new(&path);
    assert!(matches!(
        provider.use_context("nobody"),
        Err(ContextError::NotFound { .. })
    ));
    assert!(matches!(
        provider.add_context(Context::new("x", "t").with_host("ftp://x"), false),
        Err(ContextError::Invalid { .. })
    ));
    assert!(matches!(
        provider.update_token(Token::new("")),
        Err(ContextError::Invalid { .. })
    ));
    assert!(matches!(
        provider.set_service(Some(String::new())),
        Err(ContextError::Invalid { .. })
    ));
    assert_eq!(read(&path), CLI_FILE);
    assert_only_config_and_lock(dir.path());
}

#[test]
fn a_reader_sees_a_token_rotated_by_another_writer() {
    let dir = temp_dir();
    let path = write_cli_file(dir.path());
    let reader = FileContextProvider::new(&path);
    let writer = FileContextProvider::new(&path);
    assert_eq!(
        reader.token().unwrap().unwrap().expose(),
        "nf-work-token-0001"
    );

    writer
        .update_token(Token::new("nf-work-token-0002"))
        .unwrap();
    assert_eq!(
        reader.token().unwrap().unwrap().expose(),
        "nf-work-token-0002"
    );

    // A program that rewrites the file in place, as the CLI does.
    let in_place = read(&path).replace("nf-work-token-0002", "nf-work-token-three");
    fs::write(&path, in_place).unwrap();
    assert_eq!(
        reader.token().unwrap().unwrap().expose(),
        "nf-work-token-three"
    );

    writer.use_context("personal").unwrap();
    assert_eq!(reader.base_url().unwrap(), "https://api.example.test");

    fs::remove_file(&path).unwrap();
    assert!(reader.token().unwrap().is_none());
}

#[test]
fn reading_the_scope_writes_nothing() {
    let dir = temp_dir();
    let path = dir.path().join("config.json");
    // `eyJlbnRpdHlUeXBlIjoib3JnIn0` is `{"entityType":"org"}`.
    let text = "{\n\t\"current\": \"a\",\n\t\"contexts\": [\n\t\t{\n\t\t\t\"name\": \"a\",\n\t\t\t\"token\": \"eyJhbGciOiJIUzI1NiJ9.eyJlbnRpdHlUeXBlIjoib3JnIn0.c2ln\",\n\t\t\t\"host\": \"https://api.northflank.com\"\n\t\t}\n\t]\n}";
    fs::write(&path, text).unwrap();
    let provider = FileContextProvider::new(&path);
    assert_eq!(provider.token_scope().unwrap(), TokenScope::Org);
    assert_eq!(read(&path), text);
    assert_eq!(entries(dir.path()).len(), 1, "not even a lock file");
}

/// Each writer adds its own context, then rewrites it a few times, all through
/// read-modify-write; a lost update shows as a missing context or a stale project.
fn write_as(provider: &FileContextProvider, id: usize) {
    let name = format!("writer-{id:02}");
    provider
        .add_context(Context::new(&name, format!("token-{id}")), false)
        .unwrap();
    for round in 0..5 {
        let mut context = Context::new(&name, format!("token-{id}"));
        context.defaults.project = Some(format!("round-{round}"));
        provider.update_context(context).unwrap();
    }
}

fn assert_all_writers_present(path: &Path, writers: usize) {
    let contexts = FileContextProvider::new(path).contexts().unwrap();
    let mut names: Vec<&str> = contexts.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    let expected: Vec<String> = (0..writers).map(|id| format!("writer-{id:02}")).collect();
    assert_eq!(names, expected);
    for context in &contexts {
        assert_eq!(
            context.defaults.project.as_deref(),
            Some("round-4"),
            "{}",
            context.name
        );
    }
}

#[test]
fn concurrent_threads_lose_no_update() {
    const WRITERS: usize = 20;
    let dir = temp_dir();
    let path = dir.path().join("config.json");
    let shared = Arc::new(FileContextProvider::new(&path));
    let start = Arc::new(Barrier::new(WRITERS));

    let handles: Vec<_> = (0..WRITERS)
        .map(|id| {
            let path = path.clone();
            let shared = Arc::clone(&shared);
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                // Half share one provider (one cache), half have their own, as separate
                // programs would.
                if id % 2 == 0 {
                    write_as(&shared, id);
                } else {
                    write_as(&FileContextProvider::new(&path), id);
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().expect("writer thread");
    }

    assert_all_writers_present(&path, WRITERS);
    assert_only_config_and_lock(dir.path());
}

const WRITER_PATH: &str = "NF_CONTEXT_TEST_WRITER_PATH";
const WRITER_ID: &str = "NF_CONTEXT_TEST_WRITER_ID";
const WRITER_GO: &str = "NF_CONTEXT_TEST_WRITER_GO";

#[test]
fn concurrent_processes_lose_no_update() {
    // As a child: wait for the start signal, write, and exit.
    if let Some(path) = std::env::var_os(WRITER_PATH) {
        let id: usize = std::env::var(WRITER_ID).unwrap().parse().unwrap();
        let go = PathBuf::from(std::env::var_os(WRITER_GO).unwrap());
        let deadline = Instant::now() + Duration::from_secs(60);
        while !go.exists() {
            assert!(Instant::now() < deadline, "no start signal");
            thread::sleep(Duration::from_millis(2));
        }
        write_as(&FileContextProvider::new(PathBuf::from(path)), id);
        return;
    }

    const WRITERS: usize = 20;
    let dir = temp_dir();
    let config_dir = dir.path().join("config");
    let path = config_dir.join("config.json");
    let go = dir.path().join("go");
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..WRITERS)
        .map(|id| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "concurrent_processes_lose_no_update",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(WRITER_PATH, &path)
                .env(WRITER_ID, id.to_string())
                .env(WRITER_GO, &go)
                // The harness's chatter; a failing child's panic still reaches stderr.
                .stdout(Stdio::null())
                .spawn()
                .expect("spawn writer process")
        })
        .collect();
    // Release every writer at once, so their updates overlap.
    fs::write(&go, "").unwrap();
    for mut child in children {
        let status = child.wait().unwrap();
        assert!(status.success(), "a writer failed: {status}");
    }

    assert_all_writers_present(&path, WRITERS);
    assert_only_config_and_lock(&config_dir);
}

#[test]
fn paths_and_default_path() {
    let provider = FileContextProvider::new("/somewhere/config.json");
    assert_eq!(provider.path(), Path::new("/somewhere/config.json"));
    assert_eq!(
        provider.lock_path(),
        Path::new("/somewhere/config.json.lock")
    );
    if let Ok(path) = FileContextProvider::default_path() {
        assert!(
            path.ends_with(".northflank/config.json"),
            "{}",
            path.display()
        );
    }
}

#[test]
fn an_oversized_file_is_refused_unread() {
    let dir = temp_dir();
    let path = dir.path().join("config.json");
    let file = fs::File::create(&path).unwrap();
    // Sparse: no disk is used, yet the size is past the limit.
    file.set_len(16 * 1024 * 1024 + 1).unwrap();
    let provider = FileContextProvider::new(&path);
    assert!(matches!(
        provider.current(),
        Err(ContextError::Io { action: "read", .. })
    ));
    assert!(provider.add_context(Context::new("a", "t"), false).is_err());
    assert_eq!(fs::metadata(&path).unwrap().len(), 16 * 1024 * 1024 + 1);
}

#[test]
fn an_unreadable_path_is_an_io_error() {
    let dir = temp_dir();
    // A directory where the file should be cannot be read as one.
    let path = dir.path().join("config.json");
    fs::create_dir(&path).unwrap();
    let provider = FileContextProvider::new(&path);
    assert!(matches!(
        provider.current(),
        Err(ContextError::Io { action: "read", .. })
    ));
    assert!(provider.add_context(Context::new("a", "t"), false).is_err());
}
