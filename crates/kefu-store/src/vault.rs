//! Sealed fields (issue #14, ACC-1): phone numbers, addresses and secrets are stored encrypted
//! (XChaCha20-Poly1305) under keys kept outside the database, in a key file. A copy of the
//! database (a backup, a dump, a stolen disk) holds only ciphertext.
//!
//! A sealed value reads `enc:v1:<key id>:<base64 of nonce ‖ ciphertext>`. The field and its
//! row are the associated data, so a value copied into another row or column does not open.
//! The key file lists keys one per line, `<id> <base64 key>`, the first sealing new values
//! and every one opening old ones. Rotation puts a new key first and reseals every value
//! under it (`Store::reseal`); a key no value uses any more can then be retired.
//!
//! Values written before sealing existed are plaintext (they lack the prefix); they open as
//! they are, and the first start after the upgrade seals them (`Store::check_vault`).

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::{Result, Store, StoreError};

const PREFIX: &str = "enc:v1:";
const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;

/// A column whose values are sealed: the associated data names it and its row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    /// An account's phone number (ACC-2).
    UserPhone,
    /// The secret a shop signs member tokens and entry links with (CH-2).
    TenantIdentitySecret,
    /// A shop's identity secret before its last rotation, during the grace period (CH-2).
    TenantPreviousIdentitySecret,
    /// The server-wide signing keys (buyer tokens, file links) and the vault's own check.
    ServerSecret,
    /// An order's receiver: name, phone and address, as JSON (CH-5).
    OrderReceiver,
    /// A channel's secrets: token, EncodingAESKey, app secret, as JSON (issue #21).
    ChannelSecrets,
    /// A channel's current access token from its platform (issue #21).
    ChannelAccessToken,
}

impl Field {
    pub const ALL: [Field; 7] = [
        Field::UserPhone,
        Field::TenantIdentitySecret,
        Field::TenantPreviousIdentitySecret,
        Field::ServerSecret,
        Field::OrderReceiver,
        Field::ChannelSecrets,
        Field::ChannelAccessToken,
    ];

    /// (table, key column, sealed column): compile-time names, spliced into SQL.
    pub(crate) fn columns(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Field::UserPhone => ("users", "id", "phone"),
            Field::TenantIdentitySecret => ("tenants", "id", "identity_secret"),
            Field::TenantPreviousIdentitySecret => ("tenants", "id", "previous_identity_secret"),
            Field::ServerSecret => ("server_secrets", "name", "value"),
            Field::OrderReceiver => ("orders", "id", "receiver"),
            Field::ChannelSecrets => ("channels", "id", "secrets"),
            Field::ChannelAccessToken => ("channels", "id", "access_token"),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Field::UserPhone => "users.phone",
            Field::TenantIdentitySecret => "tenants.identity_secret",
            Field::TenantPreviousIdentitySecret => "tenants.previous_identity_secret",
            Field::ServerSecret => "server_secrets.value",
            Field::OrderReceiver => "orders.receiver",
            Field::ChannelSecrets => "channels.secrets",
            Field::ChannelAccessToken => "channels.access_token",
        }
    }
}

/// One key of the ring. Its bytes never print.
#[derive(Clone)]
struct Key {
    id: String,
    cipher: XChaCha20Poly1305,
    /// For fingerprints (`Vault::fingerprint`).
    bytes: [u8; KEY_BYTES],
}

struct Keyring {
    /// The first seals; all open.
    keys: Vec<Key>,
}

impl Keyring {
    fn parse(text: &str, source: &Path) -> Result<Keyring> {
        let mut keys = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |why: &str| {
                StoreError::Vault(format!("{} line {}: {why}", source.display(), n + 1))
            };
            let (id, material) = line
                .split_once(char::is_whitespace)
                .ok_or_else(|| bad("expected `<key id> <base64 key>`"))?;
            if !valid_key_id(id) {
                return Err(bad("a key id is 1-32 letters, digits, - or _"));
            }
            let bytes = STANDARD
                .decode(material.trim())
                .map_err(|_| bad("the key is not base64"))?;
            if bytes.len() != KEY_BYTES {
                return Err(bad("a key is 32 bytes"));
            }
            if keys.iter().any(|k: &Key| k.id == id) {
                return Err(bad("the key id is used twice"));
            }
            keys.push(Key::new(id.to_owned(), &bytes)?);
        }
        if keys.is_empty() {
            return Err(StoreError::Vault(format!(
                "{} holds no key",
                source.display()
            )));
        }
        Ok(Keyring { keys })
    }

    fn find(&self, id: &str) -> Option<&Key> {
        self.keys.iter().find(|k| k.id == id)
    }
}

fn valid_key_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 32
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl Key {
    fn new(id: String, bytes: &[u8]) -> Result<Key> {
        let bytes: [u8; KEY_BYTES] = bytes
            .try_into()
            .map_err(|_| StoreError::Vault("a key is 32 bytes".into()))?;
        Ok(Key {
            id,
            cipher: XChaCha20Poly1305::new(&bytes.into()),
            bytes,
        })
    }

    fn fresh() -> Result<(Key, String)> {
        let mut bytes = [0u8; KEY_BYTES];
        random(&mut bytes)?;
        let mut id_bytes = [0u8; 4];
        random(&mut id_bytes)?;
        let id = format!("k{}", hex::encode(id_bytes));
        let line = format!("{id} {}", STANDARD.encode(bytes));
        Ok((Key::new(id, &bytes)?, line))
    }
}

fn random(into: &mut [u8]) -> Result<()> {
    getrandom::fill(into).map_err(|e| StoreError::Vault(format!("no randomness: {e}")))
}

fn associated_data(field: Field, row: &str) -> String {
    format!("{}/{row}", field.label())
}

/// The keys that seal and open sensitive fields. Cheap to clone (shared).
#[derive(Clone)]
pub struct Vault {
    inner: Arc<Inner>,
}

struct Inner {
    ring: RwLock<Arc<Keyring>>,
    /// The key file and the modification time last read; `None` for an in-memory vault.
    file: Option<PathBuf>,
    stamp: Mutex<Option<SystemTime>>,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("file", &self.inner.file)
            .field("keys", &self.key_ids())
            .finish()
    }
}

const FILE_HEADER: &str = "\
# kefu's encryption keys (issue #14): phone numbers, addresses and secrets in the database are
# sealed with them. Keep this file out of database backups and back it up on its own: without
# it those values cannot be read. The first key seals new values; every key opens old ones.
# `kefu keys rotate` adds a key and reseals; `kefu keys retire ID` removes an unused one.
";

impl Vault {
    /// The vault of the key file at `path`, which is created with one fresh key (mode 0600)
    /// when it does not exist.
    pub fn open_file(path: &Path) -> Result<Vault> {
        if !path.exists() {
            let (_, line) = Key::fresh()?;
            write_key_file(path, &[line], true)?;
            tracing::info!(file = %path.display(), "created a new key file");
        }
        let (ring, stamp) = read_key_file(path)?;
        Ok(Vault {
            inner: Arc::new(Inner {
                ring: RwLock::new(Arc::new(ring)),
                file: Some(path.to_owned()),
                stamp: Mutex::new(stamp),
            }),
        })
    }

    /// A vault with one random key that lives only in memory (tests, benchmarks).
    pub fn in_memory() -> Vault {
        let mut bytes = [0u8; KEY_BYTES];
        // The OS's randomness does not fail on the systems kefu runs on; a zero key in a
        // throwaway vault would still only weaken a test.
        let _ = getrandom::fill(&mut bytes);
        let key = Key {
            id: "memory".into(),
            cipher: XChaCha20Poly1305::new(&bytes.into()),
            bytes,
        };
        Vault {
            inner: Arc::new(Inner {
                ring: RwLock::new(Arc::new(Keyring { keys: vec![key] })),
                file: None,
                stamp: Mutex::new(None),
            }),
        }
    }

    pub fn key_file(&self) -> Option<&Path> {
        self.inner.file.as_deref()
    }

    /// The key ids, the sealing one first.
    pub fn key_ids(&self) -> Vec<String> {
        self.ring().keys.iter().map(|k| k.id.clone()).collect()
    }

    pub fn primary_key_id(&self) -> String {
        self.ring().keys[0].id.clone()
    }

    fn ring(&self) -> Arc<Keyring> {
        match self.inner.ring.read() {
            Ok(ring) => ring.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Rereads the key file when it changed since the last read (another process rotated).
    fn refresh(&self) -> Result<()> {
        let Some(path) = &self.inner.file else {
            return Ok(());
        };
        let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        let mut stamp = self
            .inner
            .stamp
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if modified.is_some() && modified == *stamp {
            return Ok(());
        }
        let (ring, read_stamp) = read_key_file(path)?;
        *stamp = read_stamp;
        let mut current = self
            .inner
            .ring
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *current = Arc::new(ring);
        Ok(())
    }

    /// Seals `plain` as the value of `field` in the row keyed `row`.
    pub fn seal(&self, field: Field, row: &str, plain: &str) -> Result<String> {
        self.refresh()?;
        let ring = self.ring();
        let key = &ring.keys[0];
        let mut nonce = [0u8; NONCE_BYTES];
        random(&mut nonce)?;
        let aad = associated_data(field, row);
        let sealed = key
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| StoreError::Vault("sealing failed".into()))?;
        let mut body = nonce.to_vec();
        body.extend_from_slice(&sealed);
        Ok(format!(
            "{PREFIX}{}:{}",
            key.id,
            URL_SAFE_NO_PAD.encode(body)
        ))
    }

    /// Opens a stored value of `field` in the row keyed `row`; plaintext written before
    /// sealing existed comes back as it is.
    pub fn open(&self, field: Field, row: &str, stored: &str) -> Result<String> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_owned());
        };
        let (id, body) = rest
            .split_once(':')
            .ok_or_else(|| self.unreadable(field, row))?;
        let ring = match self.ring().find(id) {
            Some(_) => self.ring(),
            None => {
                self.refresh()?;
                self.ring()
            }
        };
        let key = ring.find(id).ok_or_else(|| StoreError::KeyMissing {
            key: id.to_owned(),
            file: self.describe_file(),
        })?;
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| self.unreadable(field, row))?;
        if bytes.len() < NONCE_BYTES {
            return Err(self.unreadable(field, row));
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let nonce: [u8; NONCE_BYTES] = nonce.try_into().map_err(|_| self.unreadable(field, row))?;
        let aad = associated_data(field, row);
        let plain = key
            .cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| self.unreadable(field, row))?;
        String::from_utf8(plain).map_err(|_| self.unreadable(field, row))
    }

    /// A keyed fingerprint of a sealed field's plaintext (HMAC-SHA256 under the sealing key):
    /// tells whether a value changed without storing anything guessable about it. It changes
    /// when the key rotates.
    pub fn fingerprint(&self, field: Field, plain: &str) -> Result<String> {
        use hmac::{Hmac, Mac};
        let ring = self.ring();
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&ring.keys[0].bytes)
            .map_err(|_| StoreError::Vault("a fingerprint key".into()))?;
        mac.update(field.label().as_bytes());
        mac.update(b"/");
        mac.update(plain.as_bytes());
        Ok(hex::encode(&mac.finalize().into_bytes()[..16]))
    }

    /// Opens an optional stored value.
    pub fn open_opt(
        &self,
        field: Field,
        row: &str,
        stored: Option<&str>,
    ) -> Result<Option<String>> {
        stored.map(|s| self.open(field, row, s)).transpose()
    }

    /// Seals an optional value.
    pub fn seal_opt(&self, field: Field, row: &str, plain: Option<&str>) -> Result<Option<String>> {
        plain.map(|p| self.seal(field, row, p)).transpose()
    }

    /// The key a stored value is sealed with; `None` for plaintext.
    pub fn key_of(stored: &str) -> Option<&str> {
        stored
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split_once(':'))
            .map(|(id, _)| id)
    }

    fn unreadable(&self, field: Field, row: &str) -> StoreError {
        StoreError::Corrupt(format!(
            "the sealed {} of row {row} does not open: altered, or moved from another row",
            field.label()
        ))
    }

    fn describe_file(&self) -> String {
        match &self.inner.file {
            Some(path) => path.display().to_string(),
            None => "this in-memory vault".into(),
        }
    }

    /// Puts a new key first in the key file (it seals from now on) and returns its id; the
    /// old keys stay to open what they sealed.
    pub fn add_key(&self) -> Result<String> {
        let path = self.file_or_refuse()?;
        let (key, line) = Key::fresh()?;
        let mut lines = vec![line];
        lines.extend(key_lines(path)?);
        write_key_file(path, &lines, false)?;
        self.refresh()?;
        Ok(key.id)
    }

    /// Removes a key from the key file. The caller checks first that no value uses it.
    pub fn remove_key(&self, id: &str) -> Result<()> {
        let path = self.file_or_refuse()?;
        self.refresh()?;
        if self.primary_key_id() == id {
            return Err(StoreError::Vault(format!(
                "{id} seals new values; rotate first, then retire it"
            )));
        }
        let lines = key_lines(path)?;
        let kept: Vec<String> = lines
            .iter()
            .filter(|line| line.split_whitespace().next() != Some(id))
            .cloned()
            .collect();
        if kept.len() == lines.len() {
            return Err(StoreError::Vault(format!(
                "{} holds no key {id}",
                path.display()
            )));
        }
        write_key_file(path, &kept, false)?;
        self.refresh()
    }

    fn file_or_refuse(&self) -> Result<&Path> {
        self.inner
            .file
            .as_deref()
            .ok_or_else(|| StoreError::Vault("an in-memory vault has no key file".into()))
    }
}

/// The server secret that proves the key file opens this database's sealed fields.
const CHECK_NAME: &str = "vault_check";
const CHECK_TEXT: &str = "kefu sealed fields v1";
/// Rows read per page while resealing.
const RESEAL_PAGE: i64 = 500;

/// How many stored values of each field each key seals (`None`: still plaintext).
pub type SealedCounts = std::collections::BTreeMap<(Option<String>, Field), u64>;

impl Store {
    /// The keys of this database's sealed fields.
    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// At start: the key file must open what this database holds sealed. A database that
    /// has never been sealed (new, or written by a kefu before sealing) is sealed now.
    pub(crate) async fn check_vault(&self) -> Result<()> {
        match dispatch!(self, server::stored_secret(CHECK_NAME))? {
            Some(stored) => {
                if self.vault.open(Field::ServerSecret, CHECK_NAME, &stored)? != CHECK_TEXT {
                    return Err(StoreError::Corrupt("the vault check reads wrong".into()));
                }
            }
            None => {
                let sealed = self.reseal().await?;
                if sealed > 0 {
                    tracing::info!(sealed, "sealed the values stored before sealing existed");
                }
                self.server_secret(CHECK_NAME, CHECK_TEXT).await?;
            }
        }
        Ok(())
    }

    /// Calls `visit(field, row, stored)` for every stored value of every sealed field, a page
    /// at a time.
    async fn each_sealed(
        &self,
        mut visit: impl AsyncFnMut(Field, &str, &str) -> Result<()>,
    ) -> Result<()> {
        for field in Field::ALL {
            let mut after = String::new();
            loop {
                let page = dispatch!(self, vault::sealed_page(field, &after, RESEAL_PAGE))?;
                let Some((last, _)) = page.last() else {
                    break;
                };
                after = last.clone();
                for (row, stored) in &page {
                    visit(field, row, stored).await?;
                }
            }
        }
        Ok(())
    }

    /// Reseals every sealed field's value that is not under the vault's first key (plaintext
    /// included); returns how many it rewrote. Safe while kefu runs: a value changed since
    /// it was read is left to the process that changed it.
    pub async fn reseal(&self) -> Result<u64> {
        let primary = self.vault.primary_key_id();
        let mut rewritten = 0;
        self.each_sealed(async |field, row, stored| {
            if Vault::key_of(stored) == Some(primary.as_str()) {
                return Ok(());
            }
            let plain = self.vault.open(field, row, stored)?;
            let sealed = self.vault.seal(field, row, &plain)?;
            if dispatch!(self, vault::replace_sealed(field, row, stored, &sealed))? {
                rewritten += 1;
            }
            Ok(())
        })
        .await?;
        Ok(rewritten)
    }

    /// How many values each key seals, by field.
    pub async fn sealed_counts(&self) -> Result<SealedCounts> {
        let mut counts = SealedCounts::new();
        self.each_sealed(async |field, _, stored| {
            let key = Vault::key_of(stored).map(str::to_owned);
            *counts.entry((key, field)).or_default() += 1;
            Ok(())
        })
        .await?;
        Ok(counts)
    }

    /// Removes a key from the key file once no stored value is sealed with it.
    pub async fn retire_key(&self, id: &str) -> Result<()> {
        if self.vault.primary_key_id() == id {
            return Err(StoreError::Vault(format!(
                "{id} seals new values; rotate first, then retire it"
            )));
        }
        let in_use: u64 = self
            .sealed_counts()
            .await?
            .iter()
            .filter(|((key, _), _)| key.as_deref() == Some(id))
            .map(|(_, n)| n)
            .sum();
        if in_use > 0 {
            return Err(StoreError::Vault(format!(
                "{in_use} stored values are still sealed with {id}: run `kefu keys rotate` first"
            )));
        }
        self.vault.remove_key(id)
    }
}

fn read_key_file(path: &Path) -> Result<(Keyring, Option<SystemTime>)> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| StoreError::Vault(format!("reading {}: {e}", path.display())))?;
    let stamp = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    Ok((Keyring::parse(&text, path)?, stamp))
}

/// The key lines of the file, in order, without comments.
fn key_lines(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| StoreError::Vault(format!("reading {}: {e}", path.display())))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect())
}

/// Writes the key file readable by its owner only, never in place: a new file is written
/// aside and linked into place (if two processes create it at once, the first one's stays),
/// a replacement is written aside and renamed over it, so a reader never sees half a file.
fn write_key_file(path: &Path, lines: &[String], create_new: bool) -> Result<()> {
    let io = |e: std::io::Error| StoreError::Vault(format!("writing {}: {e}", path.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let aside = path.with_extension(format!("new-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&aside).map_err(io)?;
    let mut text = String::from(FILE_HEADER);
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    file.write_all(text.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)?;
    let placed = if create_new {
        match std::fs::hard_link(&aside, path) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            other => other,
        }
    } else {
        std::fs::rename(&aside, path)
    };
    let _ = std::fs::remove_file(&aside);
    placed.map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_in_its_own_field_and_row() {
        let vault = Vault::in_memory();
        let sealed = vault.seal(Field::UserPhone, "u1", "13812345678").unwrap();
        assert!(sealed.starts_with("enc:v1:memory:"));
        assert!(!sealed.contains("13812345678"));
        assert_eq!(
            vault.open(Field::UserPhone, "u1", &sealed).unwrap(),
            "13812345678"
        );
        // Moved to another row or another column: refused.
        assert!(vault.open(Field::UserPhone, "u2", &sealed).is_err());
        assert!(vault.open(Field::ServerSecret, "u1", &sealed).is_err());
        // Two seals of one value differ (a fresh nonce each).
        assert_ne!(
            sealed,
            vault.seal(Field::UserPhone, "u1", "13812345678").unwrap()
        );
        // A flipped character: refused, never a wrong plaintext.
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert!(vault.open(Field::UserPhone, "u1", &tampered).is_err());
        // Plaintext from before sealing reads as it is.
        assert_eq!(vault.open(Field::UserPhone, "u1", "138").unwrap(), "138");
    }

    #[test]
    fn a_key_file_is_created_private_and_rotates() {
        let dir = std::env::temp_dir().join(format!("kefu-vault-{}", uuid::Uuid::new_v4()));
        let path = dir.join("kefu.keys");
        let vault = Vault::open_file(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let old = vault.primary_key_id();
        let sealed = vault.seal(Field::ServerSecret, "x", "secret").unwrap();
        let new = vault.add_key().unwrap();
        assert_eq!(vault.key_ids(), vec![new.clone(), old.clone()]);
        assert_eq!(
            Vault::key_of(&vault.seal(Field::ServerSecret, "x", "s").unwrap()),
            Some(new.as_str())
        );
        assert_eq!(
            vault.open(Field::ServerSecret, "x", &sealed).unwrap(),
            "secret"
        );
        // Another process with the same file sees the rotation.
        let other = Vault::open_file(&path).unwrap();
        assert_eq!(other.primary_key_id(), new);
        assert!(vault.remove_key(&new).is_err(), "the sealing key stays");
        vault.remove_key(&old).unwrap();
        match vault.open(Field::ServerSecret, "x", &sealed) {
            Err(StoreError::KeyMissing { key, .. }) => assert_eq!(key, old),
            other => panic!("expected a missing key, got {other:?}"),
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_bad_key_file_says_which_line() {
        let path = Path::new("keys");
        for (text, says) in [
            ("", "holds no key"),
            ("k1", "line 1"),
            ("k1 notbase64!", "not base64"),
            ("k1 AAAA", "32 bytes"),
            ("bad/id AAAA", "key id"),
        ] {
            let error = Keyring::parse(text, path).err().unwrap().to_string();
            assert!(error.contains(says), "{text:?}: {error}");
        }
    }
}
