//! Several providers asked in turn.

use std::fmt;
use std::sync::Arc;

use crate::{
    Context, ContextDefaults, ContextError, ContextProvider, DEFAULT_HOST, EnvContextProvider,
    FileContextProvider, Token,
};

/// Providers asked in order; the first with a current context that has a token answers.
///
/// - **Reads** ([`current`](ContextProvider::current), [`token`](ContextProvider::token),
///   [`base_url`](ContextProvider::base_url), [`token_scope`](ContextProvider::token_scope))
///   come from the first reader whose current context has a non-empty token; token and base
///   URL therefore always come from the same provider. A reader that fails (an unreadable
///   config file, say) stops the search with its error rather than being skipped, so a broken
///   file is reported instead of silently ignored. With no answer there is no current context
///   and the base URL is [`DEFAULT_HOST`].
/// - **Writes** go to the writer alone, even when another provider answers reads: with an
///   explicit or environment token in force, [`update_token`](ContextProvider::update_token)
///   changes the file's current context, not the token in use. Without a writer every change
///   fails with [`ContextError::ReadOnly`].
/// - [`contexts`](ContextProvider::contexts) lists the writer's contexts, the ones changes
///   apply to; without a writer, those of the provider that answers reads.
#[derive(Clone)]
pub struct ChainContextProvider {
    readers: Vec<Arc<dyn ContextProvider>>,
    writer: Option<Arc<dyn ContextProvider>>,
}

/// The reader that answers, and its current context.
type Answer<'a> = (&'a Arc<dyn ContextProvider>, Context);

impl ChainContextProvider {
    /// A chain asking `readers` in order and sending changes to `writer`. The writer may also
    /// be one of the readers (the same `Arc`).
    pub fn new(
        readers: Vec<Arc<dyn ContextProvider>>,
        writer: Option<Arc<dyn ContextProvider>>,
    ) -> Self {
        Self { readers, writer }
    }

    /// The usual order: `explicit_token` (with its base URL from `env`), then `env`, then
    /// `file`, which also takes every change. An empty explicit token is ignored.
    pub fn standard(
        explicit_token: Option<Token>,
        env: EnvContextProvider,
        file: Option<FileContextProvider>,
    ) -> Self {
        let mut readers: Vec<Arc<dyn ContextProvider>> = Vec::with_capacity(3);
        if let Some(token) = explicit_token.filter(|token| !token.is_empty()) {
            readers.push(Arc::new(env.clone().with_token(token)));
        }
        readers.push(Arc::new(env));
        let writer = file.map(|file| -> Arc<dyn ContextProvider> { Arc::new(file) });
        readers.extend(writer.clone());
        Self::new(readers, writer)
    }

    /// The first reader's current context that has a token, with the reader.
    fn answer(&self) -> Result<Option<Answer<'_>>, ContextError> {
        for reader in &self.readers {
            if let Some(context) = reader.current()?
                && !context.token.is_empty()
            {
                return Ok(Some((reader, context)));
            }
        }
        Ok(None)
    }

    fn writer(&self) -> Result<&Arc<dyn ContextProvider>, ContextError> {
        self.writer
            .as_ref()
            .ok_or(ContextError::ReadOnly { provider: "chain" })
    }
}

/// The chain most programs want: `explicit_token` if given, then the environment
/// ([`EnvContextProvider::new`]), then the CLI's file ([`FileContextProvider::open_default`]),
/// which takes every change. When the home directory is unknown the file is left out, and
/// changes fail with [`ContextError::ReadOnly`].
///
/// Nothing is read until the first call; see [`ChainContextProvider`] for how reads and
/// writes are routed.
pub fn default_chain(explicit_token: Option<Token>) -> ChainContextProvider {
    ChainContextProvider::standard(
        explicit_token,
        EnvContextProvider::new(),
        FileContextProvider::open_default().ok(),
    )
}

impl ContextProvider for ChainContextProvider {
    fn current(&self) -> Result<Option<Context>, ContextError> {
        Ok(self.answer()?.map(|(_, context)| context))
    }

    /// The answering reader's base URL, so its own checks and error messages apply.
    fn base_url(&self) -> Result<String, ContextError> {
        match self.answer()? {
            Some((reader, _)) => reader.base_url(),
            None => Ok(DEFAULT_HOST.to_owned()),
        }
    }

    fn contexts(&self) -> Result<Vec<Context>, ContextError> {
        if let Some(writer) = &self.writer {
            return writer.contexts();
        }
        match self.answer()? {
            Some((reader, _)) => reader.contexts(),
            None => Ok(Vec::new()),
        }
    }

    fn add_context(&self, context: Context, allow_override: bool) -> Result<(), ContextError> {
        self.writer()?.add_context(context, allow_override)
    }

    fn remove_context(&self, name: &str) -> Result<(), ContextError> {
        self.writer()?.remove_context(name)
    }

    fn use_context(&self, name: &str) -> Result<(), ContextError> {
        self.writer()?.use_context(name)
    }

    fn update_context(&self, context: Context) -> Result<(), ContextError> {
        self.writer()?.update_context(context)
    }

    fn update_token(&self, token: Token) -> Result<(), ContextError> {
        self.writer()?.update_token(token)
    }

    fn update_defaults(
        &self,
        change: &mut dyn FnMut(&mut ContextDefaults),
    ) -> Result<(), ContextError> {
        self.writer()?.update_defaults(change)
    }
}

impl fmt::Debug for ChainContextProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChainContextProvider")
            .field("readers", &self.readers)
            .field("writer", &self.writer)
            .finish()
    }
}
