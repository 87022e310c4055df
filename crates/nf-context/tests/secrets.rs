//! No token reaches the `Debug` output of a public type or the text of an error.

use std::fs;
use std::sync::Arc;

use nf_context::{
    ChainContextProvider, Context, ContextDefaults, ContextError, ContextProvider,
    EnvContextProvider, FileContextProvider, InMemoryContextProvider, Token,
};

const SECRET: &str = "nf-secret-7f3a9c";

fn assert_hidden(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} shows the token: {text}");
    // A fragment would be as bad as the whole.
    assert!(
        !text.contains("7f3a9c"),
        "{what} shows part of the token: {text}"
    );
}

fn assert_error_hidden(what: &str, error: &ContextError) {
    assert_hidden(&format!("{what} (Display)"), &error.to_string());
    assert_hidden(&format!("{what} (Debug)"), &format!("{error:?}"));
    assert_hidden(&format!("{what} (alternate Debug)"), &format!("{error:#?}"));
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        assert_hidden(&format!("{what} (cause)"), &cause.to_string());
        source = cause.source();
    }
}

#[test]
fn debug_of_every_public_type_hides_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    let mut defaults = ContextDefaults::default();
    defaults.project = Some("p".into());
    let context = Context::new("work", SECRET).with_defaults(defaults);

    let memory = InMemoryContextProvider::with_context(context.clone()).unwrap();
    let file = FileContextProvider::new(&path);
    file.add_context(context.clone(), false).unwrap();
    let env = EnvContextProvider::from_vars([("NF_API_TOKEN", SECRET)]);
    let explicit = EnvContextProvider::from_vars([("NF_HOST", "http://h.test")])
        .with_token(Token::new(SECRET));
    let chain = ChainContextProvider::standard(
        Some(Token::new(SECRET)),
        env.clone(),
        Some(FileContextProvider::new(&path)),
    );
    let custom = ChainContextProvider::new(
        vec![Arc::new(
            InMemoryContextProvider::with_context(context.clone()).unwrap(),
        )],
        None,
    );

    // Each provider does hold the token, so hiding it is not an accident of an empty provider.
    for provider in [
        &memory as &dyn ContextProvider,
        &file,
        &env,
        &explicit,
        &chain,
        &custom,
    ] {
        assert_eq!(provider.token().unwrap().unwrap().expose(), SECRET);
        assert_hidden("provider", &format!("{provider:?}"));
        assert_hidden("provider (alternate)", &format!("{provider:#?}"));
    }
    assert_hidden("Context", &format!("{context:?} {context:#?}"));
    assert_hidden("contexts", &format!("{:?}", memory.contexts().unwrap()));
    assert_hidden(
        "Token",
        &format!("{:?} {}", Token::new(SECRET), Token::new(SECRET)),
    );
}

#[test]
fn errors_never_show_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");

    let mut errors = vec![
        Context::new("work", SECRET)
            .with_host("")
            .validate()
            .unwrap_err(),
        Context::new("work", SECRET)
            .with_host("ftp://x")
            .validate()
            .unwrap_err(),
        Context::new("work", format!("{SECRET} with space"))
            .validate()
            .unwrap_err(),
        Context::new("work", SECRET)
            .with_host(format!("https://{SECRET}@api.example.test"))
            .validate()
            .unwrap_err(),
        Context::new("work", SECRET)
            .with_host(format!("https://api.example.test?token={SECRET}"))
            .base_url()
            .unwrap_err(),
        EnvContextProvider::from_vars([("NF_API_TOKEN", SECRET)])
            .update_token(Token::new(SECRET))
            .unwrap_err(),
        EnvContextProvider::from_vars([("NF_API_TOKEN", SECRET), ("NF_HOST", SECRET)])
            .base_url()
            .unwrap_err(),
    ];

    let memory = InMemoryContextProvider::with_context(Context::new("work", SECRET)).unwrap();
    errors.push(
        memory
            .add_context(Context::new("work", SECRET), false)
            .unwrap_err(),
    );
    errors.push(
        memory
            .update_token(Token::new(format!("{SECRET}\n")))
            .unwrap_err(),
    );
    errors.push(memory.use_context("nobody").unwrap_err());
    errors.push(memory.remove_context("nobody").unwrap_err());

    // A parse error in a file that holds the token, before and after it.
    fs::write(
        &path,
        format!(
            "{{\"current\": \"work\", \"contexts\": \
             [{{\"name\": \"work\", \"token\": \"{SECRET}\", }}]}}"
        ),
    )
    .unwrap();
    let file = FileContextProvider::new(&path);
    errors.push(file.current().unwrap_err());
    fs::write(
        &path,
        format!(
            "{{\"contexts\": [{{\"name\": \"work\", \"token\": \"{SECRET}\", \"project\": 7}}]}}"
        ),
    )
    .unwrap();
    errors.push(
        file.add_context(Context::new("other", SECRET), false)
            .unwrap_err(),
    );

    // An I/O error: the path is a directory.
    let directory = dir.path().join("dir");
    fs::create_dir(&directory).unwrap();
    errors.push(FileContextProvider::new(&directory).current().unwrap_err());

    for (index, error) in errors.iter().enumerate() {
        assert_error_hidden(&format!("error {index}"), error);
    }
}
