//! The environment, in-memory and chain providers, validation, and the token scope.

use std::fs;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use nf_context::{
    ChainContextProvider, Context, ContextError, ContextProvider, DEFAULT_HOST, EnvContextProvider,
    FileContextProvider, InMemoryContextProvider, Token, TokenScope,
};

fn token_of(provider: &dyn ContextProvider) -> Option<String> {
    provider
        .token()
        .unwrap()
        .map(|token| token.expose().to_owned())
}

fn jwt(payload: &str) -> String {
    format!(
        "eyJhbGciOiJIUzI1NiJ9.{}.c2lnbmF0dXJl",
        URL_SAFE_NO_PAD.encode(payload)
    )
}

mod scope {
    use super::*;

    fn scope(token: &str) -> TokenScope {
        Context::new("a", token).token_scope()
    }

    #[test]
    fn team_and_org_claims() {
        assert_eq!(
            scope(&jwt(r#"{"entityType":"team","id":"x"}"#)),
            TokenScope::Team
        );
        assert_eq!(
            scope(&jwt(r#"{"entityType":"org","id":"x"}"#)),
            TokenScope::Org
        );
        let padded = format!("h.{}.s", URL_SAFE.encode(r#"{"entityType":"org"}"#));
        assert!(padded.contains('='));
        assert_eq!(scope(&padded), TokenScope::Org);
    }

    #[test]
    fn missing_claim_is_team() {
        assert_eq!(scope(&jwt(r#"{"sub":"x"}"#)), TokenScope::Team);
        assert_eq!(scope(&jwt("{}")), TokenScope::Team);
    }

    #[test]
    fn not_a_jwt_is_team() {
        for token in ["", ".", "..", "plain-token", "a.b", "a.b.c.d"] {
            assert_eq!(scope(token), TokenScope::Team, "{token}");
        }
    }

    #[test]
    fn garbage_base64_is_team() {
        for payload in ["%%%", "a", "ab=c", "\u{e9}\u{e9}\u{e9}\u{e9}"] {
            assert_eq!(
                scope(&format!("h.{payload}.s")),
                TokenScope::Team,
                "{payload}"
            );
        }
    }

    #[test]
    fn non_json_payload_is_team() {
        for payload in [
            "not json",
            "\"org\"",
            "[\"org\"]",
            "{\"entityType\":",
            "\u{0}\u{1}",
        ] {
            assert_eq!(scope(&jwt(payload)), TokenScope::Team, "{payload}");
        }
        let binary = format!("h.{}.s", URL_SAFE_NO_PAD.encode([0xff, 0xfe, 0x00]));
        assert_eq!(scope(&binary), TokenScope::Team);
    }

    #[test]
    fn a_stored_scope_wins() {
        let context =
            Context::new("a", jwt(r#"{"entityType":"org"}"#)).with_scope(TokenScope::Team);
        assert_eq!(context.token_scope(), TokenScope::Team);
    }

    #[test]
    fn providers_report_the_current_scope() {
        let provider = InMemoryContextProvider::new();
        assert_eq!(provider.token_scope().unwrap(), TokenScope::Team);
        provider
            .add_context(Context::new("a", jwt(r#"{"entityType":"org"}"#)), false)
            .unwrap();
        assert_eq!(provider.token_scope().unwrap(), TokenScope::Org);
        assert_eq!(
            provider.current().unwrap().unwrap().scope,
            None,
            "nothing written back"
        );
    }
}

mod validation {
    use super::*;

    fn reason(context: &Context) -> String {
        match context.validate() {
            Err(ContextError::Invalid { reason, .. }) => reason,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn empty_parts_are_invalid() {
        assert!(reason(&Context::new("", "t")).contains("name"));
        assert!(reason(&Context::new("  ", "t")).contains("name"));
        assert!(reason(&Context::new("a", "")).contains("token"));
        assert!(reason(&Context::new("a", "t").with_host("")).contains("host"));
        assert!(reason(&Context::new("a", "to ken")).contains("token"));
        assert!(reason(&Context::new("a", "token\n")).contains("token"));
    }

    #[test]
    fn hosts_must_be_http_urls() {
        for host in [
            "api.northflank.com",
            "ftp://api.northflank.com",
            "https://",
            "https:///v1",
            "https://user:pass@api.example.test",
            "https://api.example.test?x=1",
            "https://api.example.test/#top",
            "https://api.example.test:port",
            "https://api.example.test:99999",
            "https://api.example.test:",
            "https://[::1",
            "https://[::1]x",
            "https://api example.test",
            "javascript:alert(1)",
        ] {
            let context = Context::new("a", "t").with_host(host);
            assert!(context.validate().is_err(), "{host} must be refused");
            assert!(context.base_url().is_err(), "{host} must be refused");
        }
    }

    #[test]
    fn good_hosts_are_normalised() {
        for (host, base) in [
            ("https://api.northflank.com", "https://api.northflank.com"),
            ("https://api.northflank.com/", "https://api.northflank.com"),
            ("HTTP://127.0.0.1:8080//", "HTTP://127.0.0.1:8080"),
            ("http://[::1]:3000/prefix/", "http://[::1]:3000/prefix"),
            ("http://[::1]", "http://[::1]"),
        ] {
            let context = Context::new("a", "t").with_host(host);
            context.validate().unwrap();
            assert_eq!(context.base_url().unwrap(), base);
        }
    }

    #[test]
    fn invalid_contexts_are_refused_by_every_writer() {
        let dir = tempfile::tempdir().unwrap();
        let memory = InMemoryContextProvider::new();
        let file = FileContextProvider::new(dir.path().join("config.json"));
        for provider in [&memory as &dyn ContextProvider, &file] {
            assert!(matches!(
                provider.add_context(Context::new("a", "t").with_host("ftp://x"), false),
                Err(ContextError::Invalid { name, .. }) if name == "a"
            ));
            assert!(matches!(
                provider.add_context(Context::new("", "t"), false),
                Err(ContextError::Invalid { .. })
            ));
            provider.add_context(Context::new("a", "t"), false).unwrap();
            assert!(matches!(
                provider.update_context(Context::new("a", "")),
                Err(ContextError::Invalid { .. })
            ));
            assert!(matches!(
                provider.update_token(Token::new("")),
                Err(ContextError::Invalid { .. })
            ));
            assert!(matches!(
                provider.set_plan(Some(" ".into())),
                Err(ContextError::Invalid { .. })
            ));
            assert_eq!(token_of(provider).as_deref(), Some("t"));
        }
        let text = fs::read_to_string(dir.path().join("config.json")).unwrap();
        assert!(text.contains("\"token\": \"t\""), "{text}");
    }

    #[test]
    fn a_stored_bad_host_fails_base_url_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        fs::write(
            &path,
            r#"{"current":"a","contexts":[{"name":"a","token":"t","host":"api.example.test"}]}"#,
        )
        .unwrap();
        let provider = FileContextProvider::new(&path);
        assert_eq!(token_of(&provider).as_deref(), Some("t"));
        assert!(matches!(
            provider.base_url(),
            Err(ContextError::Invalid { name, .. }) if name == "a"
        ));
    }
}

mod memory {
    use super::*;

    #[test]
    fn holds_contexts_like_the_file() {
        let provider = InMemoryContextProvider::new();
        assert!(provider.current().unwrap().is_none());
        assert_eq!(token_of(&provider), None);
        assert_eq!(provider.base_url().unwrap(), DEFAULT_HOST);

        provider
            .add_context(Context::new("a", "ta"), false)
            .unwrap();
        provider
            .add_context(
                Context::new("b", "tb").with_host("http://127.0.0.1:9/"),
                false,
            )
            .unwrap();
        assert_eq!(token_of(&provider).as_deref(), Some("tb"));
        assert_eq!(provider.base_url().unwrap(), "http://127.0.0.1:9");
        assert!(matches!(
            provider.add_context(Context::new("a", "x"), false),
            Err(ContextError::AlreadyExists { .. })
        ));

        provider.use_context("a").unwrap();
        assert_eq!(token_of(&provider).as_deref(), Some("ta"));
        provider.update_token(Token::new("ta2")).unwrap();
        provider.set_project(Some("p".into())).unwrap();
        provider.set_service(Some("s".into())).unwrap();
        provider.set_job(Some("j".into())).unwrap();
        provider.set_plan(Some("pl".into())).unwrap();
        provider.set_region(Some("r".into())).unwrap();
        provider.set_service(None).unwrap();
        let current = provider.current().unwrap().unwrap();
        assert_eq!(current.token.expose(), "ta2");
        assert_eq!(token_of(&provider).as_deref(), Some("ta2"));
        assert_eq!(current.defaults.project.as_deref(), Some("p"));
        assert_eq!(current.defaults.service, None);
        assert_eq!(current.defaults.job.as_deref(), Some("j"));
        assert_eq!(current.defaults.plan.as_deref(), Some("pl"));
        assert_eq!(current.defaults.region.as_deref(), Some("r"));

        provider.remove_context("a").unwrap();
        assert!(provider.current().unwrap().is_none());
        assert!(matches!(
            provider.set_project(Some("p".into())),
            Err(ContextError::NoCurrentContext)
        ));
        assert!(matches!(
            provider.use_context("a"),
            Err(ContextError::NotFound { .. })
        ));
        assert_eq!(provider.contexts().unwrap().len(), 1);
    }

    #[test]
    fn with_context_validates() {
        assert!(InMemoryContextProvider::with_context(Context::new("a", "")).is_err());
        let provider = InMemoryContextProvider::with_context(Context::new("a", "t")).unwrap();
        assert_eq!(token_of(&provider).as_deref(), Some("t"));
    }
}

mod env {
    use super::*;

    #[test]
    fn token_precedence() {
        let both = EnvContextProvider::from_vars([
            ("NORTHFLANK_API_TOKEN", "long-name"),
            ("NF_API_TOKEN", "short-name"),
        ]);
        assert_eq!(token_of(&both).as_deref(), Some("long-name"));

        let empty_first = EnvContextProvider::from_vars([
            ("NORTHFLANK_API_TOKEN", ""),
            ("NF_API_TOKEN", "short-name"),
        ]);
        assert_eq!(token_of(&empty_first).as_deref(), Some("short-name"));

        let blank_first = EnvContextProvider::from_vars([
            ("NORTHFLANK_API_TOKEN", " \n"),
            ("NF_API_TOKEN", " padded\n"),
        ]);
        assert_eq!(token_of(&blank_first).as_deref(), Some("padded"));

        let none = EnvContextProvider::from_vars([("NF_API_TOKEN", ""), ("NF_HOST", "http://x")]);
        assert_eq!(token_of(&none), None);
        assert!(none.current().unwrap().is_none());
        assert!(none.contexts().unwrap().is_empty());
        assert_eq!(none.base_url().unwrap(), DEFAULT_HOST);
    }

    #[test]
    fn base_url_precedence() {
        let all = |overrides: &[(&'static str, &'static str)]| {
            let mut vars = vec![
                ("NF_API_TOKEN", "t"),
                ("NORTHFLANK_API_BASE_URL", "http://first.test"),
                ("NF_API_HOST", "http://second.test"),
                ("NF_HOST", "http://third.test"),
            ];
            for (name, value) in overrides {
                vars.retain(|(existing, _)| existing != name);
                vars.push((name, value));
            }
            EnvContextProvider::from_vars(vars).base_url().unwrap()
        };
        assert_eq!(all(&[]), "http://first.test");
        assert_eq!(
            all(&[("NORTHFLANK_API_BASE_URL", "")]),
            "http://second.test"
        );
        assert_eq!(
            all(&[("NORTHFLANK_API_BASE_URL", ""), ("NF_API_HOST", "  ")]),
            "http://third.test"
        );
        assert_eq!(
            all(&[
                ("NORTHFLANK_API_BASE_URL", ""),
                ("NF_API_HOST", ""),
                ("NF_HOST", "")
            ]),
            DEFAULT_HOST
        );

        let provider =
            EnvContextProvider::from_vars([("NF_API_TOKEN", "t"), ("NF_HOST", "http://h.test/")]);
        let context = provider.current().unwrap().unwrap();
        assert_eq!(context.name, nf_context::ENVIRONMENT_CONTEXT);
        assert_eq!(context.host, "http://h.test/");
        assert_eq!(provider.base_url().unwrap(), "http://h.test");
    }

    #[test]
    fn a_bad_base_url_names_the_variable() {
        let provider = EnvContextProvider::from_vars([
            ("NF_API_TOKEN", "t"),
            ("NF_API_HOST", "api.example.test"),
        ]);
        match provider.base_url() {
            Err(ContextError::Invalid { name, reason }) => {
                assert_eq!(name, "environment");
                assert!(reason.starts_with("NF_API_HOST: "), "{reason}");
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn lookup_is_read_on_every_call() {
        let value = Arc::new(std::sync::Mutex::new(Some("one".to_owned())));
        let source = Arc::clone(&value);
        let provider = EnvContextProvider::from_lookup(move |name| {
            (name == "NF_API_TOKEN")
                .then(|| source.lock().unwrap().clone())
                .flatten()
        });
        assert_eq!(token_of(&provider).as_deref(), Some("one"));
        *value.lock().unwrap() = Some("two".to_owned());
        assert_eq!(token_of(&provider).as_deref(), Some("two"));
        *value.lock().unwrap() = None;
        assert_eq!(token_of(&provider), None);
    }

    #[test]
    fn explicit_token_keeps_the_environment_host() {
        let provider =
            EnvContextProvider::from_vars([("NF_API_TOKEN", "env"), ("NF_HOST", "http://h.test")])
                .with_token(Token::new("explicit"));
        let context = provider.current().unwrap().unwrap();
        assert_eq!(context.name, nf_context::EXPLICIT_CONTEXT);
        assert_eq!(context.token.expose(), "explicit");
        assert_eq!(provider.base_url().unwrap(), "http://h.test");
    }

    #[test]
    fn every_write_is_read_only() {
        let provider = EnvContextProvider::from_vars([("NF_API_TOKEN", "t")]);
        let results = [
            provider.add_context(Context::new("a", "t"), true),
            provider.remove_context("environment"),
            provider.use_context("environment"),
            provider.update_context(Context::new("environment", "t")),
            provider.update_token(Token::new("t2")),
            provider.update_defaults(&mut |_| {}),
            provider.set_project(Some("p".into())),
            provider.set_region(None),
        ];
        for result in results {
            assert!(matches!(
                result,
                Err(ContextError::ReadOnly {
                    provider: "environment"
                })
            ));
        }
        assert_eq!(token_of(&provider).as_deref(), Some("t"));
    }
}

mod chain {
    use super::*;

    fn file_with(dir: &tempfile::TempDir, token: &str, host: &str) -> FileContextProvider {
        let provider = FileContextProvider::new(dir.path().join("config.json"));
        provider
            .add_context(Context::new("file", token).with_host(host), false)
            .unwrap();
        provider
    }

    fn env(vars: &[(&str, &str)]) -> EnvContextProvider {
        EnvContextProvider::from_vars(vars.iter().map(|&(k, v)| (k.to_owned(), v.to_owned())))
    }

    const ENV: &[(&str, &str)] = &[
        ("NF_API_TOKEN", "env-token"),
        ("NF_HOST", "http://env.test"),
    ];

    #[test]
    fn explicit_then_environment_then_file() {
        let dir = tempfile::tempdir().unwrap();
        let chain = ChainContextProvider::standard(
            Some(Token::new("explicit-token")),
            env(ENV),
            Some(file_with(&dir, "file-token", "http://file.test")),
        );
        assert_eq!(token_of(&chain).as_deref(), Some("explicit-token"));
        assert_eq!(chain.base_url().unwrap(), "http://env.test");
        assert_eq!(chain.current().unwrap().unwrap().name, "explicit");

        let chain = ChainContextProvider::standard(
            None,
            env(ENV),
            Some(FileContextProvider::new(dir.path().join("config.json"))),
        );
        assert_eq!(token_of(&chain).as_deref(), Some("env-token"));
        assert_eq!(chain.base_url().unwrap(), "http://env.test");

        // An empty explicit token is no token; an environment host without a token is not
        // paired with the file's token.
        let chain = ChainContextProvider::standard(
            Some(Token::new("")),
            env(&[("NF_HOST", "http://env.test")]),
            Some(FileContextProvider::new(dir.path().join("config.json"))),
        );
        assert_eq!(token_of(&chain).as_deref(), Some("file-token"));
        assert_eq!(chain.base_url().unwrap(), "http://file.test");

        let chain = ChainContextProvider::standard(None, env(&[]), None);
        assert_eq!(token_of(&chain), None);
        assert!(chain.current().unwrap().is_none());
        assert_eq!(chain.base_url().unwrap(), DEFAULT_HOST);
        assert_eq!(chain.token_scope().unwrap(), TokenScope::Team);
    }

    #[test]
    fn writes_go_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        let chain = ChainContextProvider::standard(
            None,
            env(ENV),
            Some(file_with(&dir, "file-token", "http://file.test")),
        );
        chain.update_token(Token::new("file-token-2")).unwrap();
        chain.set_project(Some("p".into())).unwrap();
        chain
            .add_context(Context::new("second", "second-token"), false)
            .unwrap();
        // The environment still answers reads.
        assert_eq!(token_of(&chain).as_deref(), Some("env-token"));
        let names: Vec<String> = chain
            .contexts()
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, ["file", "second"]);

        let file = FileContextProvider::new(&path);
        assert_eq!(token_of(&file).as_deref(), Some("second-token"));
        file.use_context("file").unwrap();
        let context = file.current().unwrap().unwrap();
        assert_eq!(context.token.expose(), "file-token-2");
        assert_eq!(context.defaults.project.as_deref(), Some("p"));
    }

    #[test]
    fn without_a_file_writes_are_read_only() {
        let chain = ChainContextProvider::standard(Some(Token::new("t")), env(&[]), None);
        assert!(matches!(
            chain.add_context(Context::new("a", "t"), false),
            Err(ContextError::ReadOnly { provider: "chain" })
        ));
        assert!(matches!(
            chain.set_project(Some("p".into())),
            Err(ContextError::ReadOnly { provider: "chain" })
        ));
        assert_eq!(
            chain.contexts().unwrap().len(),
            1,
            "the answering provider's"
        );
    }

    #[test]
    fn a_broken_file_is_reported_unless_an_earlier_provider_answers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        fs::write(&path, "{ not json").unwrap();
        let file = || Some(FileContextProvider::new(&path));

        let chain = ChainContextProvider::standard(None, env(ENV), file());
        assert_eq!(token_of(&chain).as_deref(), Some("env-token"));

        let chain = ChainContextProvider::standard(None, env(&[]), file());
        assert!(matches!(chain.token(), Err(ContextError::Parse { .. })));
    }

    #[test]
    fn custom_chains_share_one_writer() {
        let memory: Arc<dyn ContextProvider> = Arc::new(InMemoryContextProvider::new());
        let fallback: Arc<dyn ContextProvider> =
            Arc::new(InMemoryContextProvider::with_context(Context::new("fallback", "f")).unwrap());
        let chain = ChainContextProvider::new(
            vec![Arc::clone(&memory), fallback],
            Some(Arc::clone(&memory)),
        );
        assert_eq!(token_of(&chain).as_deref(), Some("f"));
        chain.add_context(Context::new("main", "m"), false).unwrap();
        assert_eq!(token_of(&chain).as_deref(), Some("m"));
        chain.remove_context("main").unwrap();
        assert_eq!(token_of(&chain).as_deref(), Some("f"));
    }

    #[test]
    fn default_chain_prefers_the_explicit_token() {
        // Only the explicit token is asserted: the environment and home directory are the
        // test runner's.
        let chain = nf_context::default_chain(Some(Token::new("explicit-token")));
        assert_eq!(token_of(&chain).as_deref(), Some("explicit-token"));
    }
}
