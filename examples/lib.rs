//! Runnable examples of northflank-rs: see the `examples/` directory beside this file.
