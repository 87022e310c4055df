//! Runnable examples of northflank-rs, in the files beside this one.
//!
//! Run one from the workspace root with `cargo run --example <name>`:
//!
//! | Example | What it shows |
//! |---|---|
//! | `quickstart` | a context with a token, list projects, create one, list again, the rate-limit headers |
//! | `pagination` | one page, the next page, a stream of every item, every page at once |
//! | `errors` | 404, 409 and 400 answers with the default error style and with `ErrorStyle::Response` |
//! | `custom_layer` | a tower layer of your own around each attempt and around the whole call |
//! | `custom_transport` | a `tower::Service` of your own in place of HTTP |
//! | `contexts` | the CLI's context file: add, switch, set the default project, read back |
//!
//! Every example runs without an account or a network: each starts the embedded emulator
//! (`nf-mock`) on loopback, except `custom_transport`, which needs no server at all, and
//! `quickstart`, which uses the real API when `NORTHFLANK_API_TOKEN` or `NF_API_TOKEN` is set.
//!
//! Each example is a `main` that hands stdout to a `run` function holding the program;
//! `tests/run_examples.rs` calls those functions and checks what they write.
