//! Contexts in the official CLI's file, `~/.northflank/config.json`.

use std::ffi::OsString;
use std::fmt;
use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use crate::document::Document;
use crate::{Context, ContextDefaults, ContextError, ContextProvider, Token};

/// The CLI's directory under the home directory.
pub const CONFIG_DIRECTORY: &str = ".northflank";

/// The CLI's file name inside [`CONFIG_DIRECTORY`].
pub const CONFIG_FILE: &str = "config.json";

/// Appended to the file's name to name its lock file: `config.json.lock`.
pub const LOCK_SUFFIX: &str = ".lock";

/// Files above this size are refused rather than read into memory; a real one is a few KiB.
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Contexts stored in the official CLI's JSON file, shared with the CLI and other programs.
///
/// # Reading
///
/// The parsed file is cached. Every read checks the file's metadata (size, modification and
/// change times, inode) and parses the file again only when it changed, so a token another
/// process rotates is seen by the next read, and reads on every request stay cheap. A missing
/// file reads as no contexts; a file above 16 MiB is refused with [`ContextError::Io`]. A file
/// that is not valid JSON of the expected shape fails with [`ContextError::Parse`], which
/// gives the path, line and column.
///
/// Readers take no lock: writers from this crate replace the file with a rename, so a reader
/// sees the old file or the new one, never a mix. The CLI itself rewrites the file in place,
/// so a read racing with the CLI can see a partial file and fail with a parse error; the next
/// read succeeds. A change that keeps the size, the inode and both timestamps (an in-place
/// rewrite of the same length within the file system's timestamp granularity) is seen only
/// after the next change that does not.
///
/// # Writing
///
/// Every change is a read-modify-write under an exclusive lock ([`File::lock`]) on a separate
/// lock file beside the file, named by appending [`LOCK_SUFFIX`] (`config.json.lock`), so
/// concurrent writers in any number of threads and processes never lose an update. The lock
/// file is never deleted, since deleting it would let two writers lock different files. The
/// CLI does not take this lock, so a write racing with the CLI can still lose one of the two.
///
/// The new text goes to a temporary file in the same directory (`.config.json.<unique>.tmp`),
/// which is made mode `0600` on Unix, flushed to disk and renamed over the file, so the file
/// always holds either the old or the new configuration, and is `0600` afterwards even if it
/// was more open before. A missing directory is created (mode `0700` on Unix). If the file is a
/// symbolic link, the file it points to is replaced and the link kept. A file that does not
/// parse is never overwritten: the change fails with [`ContextError::Parse`]. A writer killed
/// between creating and renaming its temporary file leaves that file behind.
///
/// Keys this crate does not know, at the top level and in each context, are kept with their
/// order, and the text is tab-indented like the CLI's, so a rewrite changes only what changed.
pub struct FileContextProvider {
    path: PathBuf,
    lock_path: PathBuf,
    cache: Mutex<Option<Cached>>,
}

/// A parsed file and the metadata it was read with; `stamp` is `None` for a missing file.
struct Cached {
    stamp: Option<Stamp>,
    document: Arc<Document>,
}

/// What identifies one version of the file without reading it.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    #[cfg(unix)]
    inode: (u64, u64),
    #[cfg(unix)]
    changed: (i64, i64),
}

impl Stamp {
    fn of(metadata: &Metadata) -> Self {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt as _;

        Self {
            len: metadata.len(),
            modified: metadata.modified().ok(),
            #[cfg(unix)]
            inode: (metadata.dev(), metadata.ino()),
            #[cfg(unix)]
            changed: (metadata.ctime(), metadata.ctime_nsec()),
        }
    }
}

impl FileContextProvider {
    /// A provider for the file at `path`. Nothing is read or created until the first call.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let mut lock_path = OsString::from(path.as_os_str());
        lock_path.push(LOCK_SUFFIX);
        Self {
            path,
            lock_path: PathBuf::from(lock_path),
            cache: Mutex::new(None),
        }
    }

    /// A provider for the CLI's file, [`FileContextProvider::default_path`].
    ///
    /// # Errors
    /// [`ContextError::NoHomeDirectory`] when the home directory is unknown.
    pub fn open_default() -> Result<Self, ContextError> {
        Ok(Self::new(Self::default_path()?))
    }

    /// `~/.northflank/config.json`: where the official CLI keeps its contexts.
    ///
    /// # Errors
    /// [`ContextError::NoHomeDirectory`] when the home directory is unknown or empty.
    pub fn default_path() -> Result<PathBuf, ContextError> {
        let home = std::env::home_dir()
            .filter(|home| !home.as_os_str().is_empty())
            .ok_or(ContextError::NoHomeDirectory)?;
        Ok(home.join(CONFIG_DIRECTORY).join(CONFIG_FILE))
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lock file's path: the file's path with [`LOCK_SUFFIX`] appended.
    pub fn lock_path(&self) -> &Path {
        &self.lock_path
    }

    fn cache(&self) -> MutexGuard<'_, Option<Cached>> {
        // The cache is only ever replaced whole, so a poisoned one is still consistent.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The configuration as the file holds it now, parsed again only when the file changed.
    fn load(&self) -> Result<Arc<Document>, ContextError> {
        let observed = match fs::metadata(&self.path) {
            Ok(metadata) => Some(Stamp::of(&metadata)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => None,
            Err(source) => return Err(io_error("read", &self.path, source)),
        };

        // Holding the cache while reloading lets one thread parse while the others wait for
        // its result instead of parsing the same bytes again.
        let mut cache = self.cache();
        if let Some(cached) = cache.as_ref()
            && cached.stamp == observed
        {
            return Ok(Arc::clone(&cached.document));
        }
        let (stamp, document) = self.read_file()?;
        let document = Arc::new(document);
        *cache = Some(Cached {
            stamp,
            document: Arc::clone(&document),
        });
        Ok(document)
    }

    /// Reads and parses the file, with the metadata of the very file read, so the stamp
    /// matches the bytes even when the file is replaced meanwhile.
    fn read_file(&self) -> Result<(Option<Stamp>, Document), ContextError> {
        let mut file = match File::open(&self.path) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Ok((None, Document::default()));
            }
            Err(source) => return Err(io_error("read", &self.path, source)),
        };
        let metadata = file
            .metadata()
            .map_err(|source| io_error("read", &self.path, source))?;
        let expected = metadata.len().min(MAX_FILE_BYTES);
        let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
        (&mut file)
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|source| io_error("read", &self.path, source))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            let source = io::Error::new(
                io::ErrorKind::InvalidData,
                "the file is larger than a context file can be (16 MiB)",
            );
            return Err(io_error("read", &self.path, source));
        }

        tracing::debug!(path = %self.path.display(), bytes = bytes.len(), "read context file");
        let document = Document::parse(&bytes).map_err(|source| ContextError::Parse {
            path: self.path.clone(),
            line: source.line(),
            column: source.column(),
            source,
        })?;
        Ok((Some(Stamp::of(&metadata)), document))
    }

    /// Read-modify-write under the lock; `change` edits the freshly read configuration and the
    /// file is replaced only when it succeeds.
    fn change(
        &self,
        change: impl FnOnce(&mut Document) -> Result<(), ContextError>,
    ) -> Result<(), ContextError> {
        let directory = parent_directory(&self.path);
        if !directory.as_os_str().is_empty() {
            create_directory(directory)
                .map_err(|source| io_error("create the directory of", &self.path, source))?;
        }
        let lock = self.lock()?;

        // Under the lock, read the file itself: another writer may have replaced it a moment
        // ago with the same size and timestamps.
        let (_, mut document) = self.read_file()?;
        change(&mut document)?;
        let bytes = document
            .to_bytes()
            .map_err(|source| io_error("serialise", &self.path, io::Error::from(source)))?;
        let target = self.write_target()?;
        let stamp =
            replace_file(&target, &bytes).map_err(|source| io_error("write", &target, source))?;
        tracing::debug!(path = %target.display(), bytes = bytes.len(), "wrote context file");

        *self.cache() = stamp.map(|stamp| Cached {
            stamp: Some(stamp),
            document: Arc::new(document),
        });
        drop(lock);
        Ok(())
    }

    /// Takes the exclusive lock; it is released when the returned file is dropped.
    fn lock(&self) -> Result<File, ContextError> {
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options
            .open(&self.lock_path)
            .map_err(|source| io_error("open", &self.lock_path, source))?;
        file.lock()
            .map_err(|source| io_error("lock", &self.lock_path, source))?;
        Ok(file)
    }

    /// The file to replace: the file itself, or the file its symbolic link points to, so the
    /// rename keeps the link.
    fn write_target(&self) -> Result<PathBuf, ContextError> {
        match fs::symlink_metadata(&self.path) {
            Ok(metadata) if metadata.file_type().is_symlink() => fs::canonicalize(&self.path)
                .map_err(|source| io_error("resolve the link", &self.path, source)),
            _ => Ok(self.path.clone()),
        }
    }
}

fn io_error(action: &'static str, path: &Path, source: io::Error) -> ContextError {
    ContextError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

/// The directory holding `path`; empty for a bare file name.
fn parent_directory(path: &Path) -> &Path {
    path.parent().unwrap_or_else(|| Path::new(""))
}

/// Creates `directory` and its missing parents, private to the user on Unix.
fn create_directory(directory: &Path) -> io::Result<()> {
    if directory.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(directory)
}

/// Replaces `target` with `bytes` through a temporary file and a rename. Returns the new
/// file's stamp, or `None` when it could not be read back (the write still happened).
fn replace_file(target: &Path, bytes: &[u8]) -> io::Result<Option<Stamp>> {
    let directory = parent_directory(target);
    let (path, file) = create_temporary(directory, target)?;
    let mut temporary = Temporary {
        path,
        file: Some(file),
    };
    let file = temporary.file()?;

    // Set the mode explicitly: the mode given at creation is narrowed by the umask, and the
    // file must be exactly 0600 whatever the umask.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)?;
    file.sync_all()?;
    fs::rename(&temporary.path, target)?;
    let file = temporary.keep();

    sync_directory(directory);
    // The handle still names the renamed file, so its metadata is the new file's, including
    // the change time the rename may have set.
    Ok(file
        .and_then(|file| file.metadata().ok())
        .map(|metadata| Stamp::of(&metadata)))
}

/// Creates a new temporary file beside `target` with a name no other writer uses.
fn create_temporary(directory: &Path, target: &Path) -> io::Result<(PathBuf, File)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = target
        .file_name()
        .map_or_else(|| "config".into(), |name| name.to_string_lossy());
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());

    let mut attempt = 0;
    loop {
        let count = COUNTER.fetch_add(1, Ordering::Relaxed);
        let file_name = format!(".{name}.{}.{nanos:x}.{count}.tmp", std::process::id());
        let path = directory.join(file_name);
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(file) => return Ok((path, file)),
            // A stale file from a writer that died with the same process ID: try another name.
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists && attempt < 16 => {
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}

/// Makes the rename durable where the platform allows; the data is already in place, so a
/// failure here only loses durability across a crash and is not reported.
fn sync_directory(directory: &Path) {
    #[cfg(unix)]
    {
        let directory = if directory.as_os_str().is_empty() {
            Path::new(".")
        } else {
            directory
        };
        if let Err(error) = File::open(directory).and_then(|handle| handle.sync_all()) {
            tracing::debug!(path = %directory.display(), %error, "could not sync the directory");
        }
    }
    #[cfg(not(unix))]
    let _ = directory;
}

/// A temporary file, closed and removed on drop unless it was renamed into place.
struct Temporary {
    path: PathBuf,
    file: Option<File>,
}

impl Temporary {
    fn file(&mut self) -> io::Result<&mut File> {
        self.file
            .as_mut()
            .ok_or_else(|| io::Error::other("the temporary file is already closed"))
    }

    /// Disarms the removal and hands back the open file.
    fn keep(mut self) -> Option<File> {
        let file = self.file.take();
        self.path = PathBuf::new();
        file
    }
}

impl Drop for Temporary {
    fn drop(&mut self) {
        drop(self.file.take());
        if !self.path.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.path);
        }
    }
}

impl ContextProvider for FileContextProvider {
    fn current(&self) -> Result<Option<Context>, ContextError> {
        Ok(self.load()?.current_context())
    }

    fn token(&self) -> Result<Option<Token>, ContextError> {
        Ok(self.load()?.current_token())
    }

    fn contexts(&self) -> Result<Vec<Context>, ContextError> {
        Ok(self.load()?.contexts())
    }

    fn add_context(&self, context: Context, allow_override: bool) -> Result<(), ContextError> {
        // Check before taking the lock, so a bad context does not create the directory.
        context.validate()?;
        self.change(|document| document.add(context, allow_override))
    }

    fn remove_context(&self, name: &str) -> Result<(), ContextError> {
        self.change(|document| document.remove(name))
    }

    fn use_context(&self, name: &str) -> Result<(), ContextError> {
        self.change(|document| document.select(name))
    }

    fn update_context(&self, context: Context) -> Result<(), ContextError> {
        context.validate()?;
        self.change(|document| document.update(context))
    }

    fn update_token(&self, token: Token) -> Result<(), ContextError> {
        self.change(|document| document.update_token(token))
    }

    fn update_defaults(
        &self,
        change: &mut dyn FnMut(&mut ContextDefaults),
    ) -> Result<(), ContextError> {
        self.change(|document| document.update_defaults(change))
    }
}

impl fmt::Debug for FileContextProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileContextProvider")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}
