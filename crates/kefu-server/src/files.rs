//! Where uploads live (issue #15): on the data directory's disk for one process, or, with
//! NATS configured, in NATS JetStream's object store, so that any process behind a load
//! balancer serves any upload. The key is the attachment's `storage_key`
//! (`attachments/<tenant>/<id>`) either way; a key missing from the object store is looked
//! for on disk, so uploads from before a server joined NATS still open.

use std::io;
use std::path::{Path, PathBuf};

use async_nats::jetstream::object_store::{self, GetErrorKind, ObjectStore};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

/// The object store bucket (a JetStream stream `OBJ_kefu-attachments`).
pub const BUCKET: &str = "kefu-attachments";

/// A file's bytes from some offset on, as they are read.
pub type Reader = Box<dyn AsyncRead + Send + Unpin>;

#[derive(Clone)]
pub struct Files {
    /// The data directory: uploads' home without NATS, and where older ones are found.
    root: PathBuf,
    objects: Option<ObjectStore>,
}

impl std::fmt::Debug for Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Files")
            .field("root", &self.root)
            .field("where", &self.kind())
            .finish()
    }
}

fn nats_error(error: impl std::error::Error + Send + Sync + 'static) -> io::Error {
    io::Error::other(error)
}

impl Files {
    /// Files on disk under `data_dir`.
    pub fn on_disk(data_dir: &Path) -> Files {
        Files {
            root: data_dir.to_owned(),
            objects: None,
        }
    }

    /// Files in NATS's object store (its bucket made on first use), older ones on disk.
    pub async fn in_nats(data_dir: &Path, client: async_nats::Client) -> io::Result<Files> {
        let jetstream = async_nats::jetstream::new(client);
        let objects = match jetstream.get_object_store(BUCKET).await {
            Ok(objects) => objects,
            Err(_) => jetstream
                .create_object_store(object_store::Config {
                    bucket: BUCKET.to_owned(),
                    description: Some("kefu's uploads".to_owned()),
                    ..Default::default()
                })
                .await
                .map_err(nats_error)?,
        };
        Ok(Files {
            root: data_dir.to_owned(),
            objects: Some(objects),
        })
    }

    /// Where a command-line tool finds the server's files: NATS's object store when the
    /// server has a NATS URL, else the data directory.
    pub async fn open(data_dir: &Path, nats_url: &str) -> io::Result<Files> {
        if nats_url.is_empty() {
            return Ok(Files::on_disk(data_dir));
        }
        let client = async_nats::connect(nats_url).await.map_err(nats_error)?;
        Files::in_nats(data_dir, client).await
    }

    /// `disk` or `nats`.
    pub fn kind(&self) -> &'static str {
        match self.objects {
            Some(_) => "nats",
            None => "disk",
        }
    }

    /// Stores `bytes` under `key`, durably: on disk written beside, synced, then renamed; in
    /// NATS acknowledged by JetStream. Whole or absent either way.
    pub async fn put(&self, key: &str, bytes: &[u8]) -> io::Result<()> {
        match &self.objects {
            Some(objects) => {
                let mut reader = bytes;
                objects.put(key, &mut reader).await.map_err(nats_error)?;
                Ok(())
            }
            None => {
                let path = self.root.join(key);
                if let Some(dir) = path.parent() {
                    tokio::fs::create_dir_all(dir).await?;
                }
                let temp = path.with_extension("part");
                let mut file = tokio::fs::File::create(&temp).await?;
                file.write_all(bytes).await?;
                file.sync_all().await?;
                tokio::fs::rename(&temp, &path).await
            }
        }
    }

    /// The file from byte `from` on; `None` if there is no such file.
    pub async fn read_from(&self, key: &str, from: u64) -> io::Result<Option<Reader>> {
        if let Some(objects) = &self.objects {
            match objects.get(key).await {
                Ok(mut object) => {
                    // The object store reads from the start: skip what was not asked for.
                    let skipped =
                        tokio::io::copy(&mut (&mut object).take(from), &mut tokio::io::sink())
                            .await?;
                    if skipped < from {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            format!("{key} is shorter than {from} bytes"),
                        ));
                    }
                    return Ok(Some(Box::new(object)));
                }
                Err(e) if e.kind() == GetErrorKind::NotFound => {}
                Err(e) => return Err(nats_error(e)),
            }
        }
        match tokio::fs::File::open(self.root.join(key)).await {
            Ok(mut file) => {
                file.seek(io::SeekFrom::Start(from)).await?;
                Ok(Some(Box::new(file)))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The whole file (uploads are at most `limits.max_file_bytes`), or `None`.
    pub async fn read(&self, key: &str) -> io::Result<Option<Vec<u8>>> {
        let Some(mut reader) = self.read_from(key, 0).await? else {
            return Ok(None);
        };
        let mut bytes = vec![];
        reader.read_to_end(&mut bytes).await?;
        Ok(Some(bytes))
    }

    /// Removes the file wherever it is; a missing one is not an error.
    pub async fn delete(&self, key: &str) -> io::Result<()> {
        if let Some(objects) = &self.objects
            && let Err(e) = objects.delete(key).await
            && objects.info(key).await.is_ok()
        {
            return Err(nats_error(e));
        }
        match tokio::fs::remove_file(self.root.join(key)).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// A file's name made safe for headers and file systems: no path, no control characters or
/// quotes, at most 120 characters; `file` when nothing is left.
pub fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(120)
        .collect();
    match clean.trim().is_empty() {
        true => "file".to_owned(),
        false => clean.trim().to_owned(),
    }
}

/// Checks an upload's bytes (its type read from them, its size against the limit of its
/// kind), stores them and records the attachment, by `uploader` (its kind and id): the agents'
/// and buyers' uploads, and pictures from other platforms (issue #21).
pub async fn keep(
    state: &crate::AppState,
    tenant_id: uuid::Uuid,
    uploader: (&str, uuid::Uuid),
    file_name: &str,
    bytes: &[u8],
) -> Result<kefu_domain::message::Attachment, crate::error::ApiError> {
    use kefu_domain::attachment_kinds::{AcceptedType, accepted_type};
    use kefu_domain::error_code::ErrorCode;
    use sha2::{Digest, Sha256};

    use crate::error::ApiError;

    let limits = &state.settings.limits;
    let (uploader_kind, uploader_id) = uploader;
    if bytes.is_empty() {
        return Err(ApiError::new(ErrorCode::FileEmpty, "the file is empty"));
    }
    let accepted = accepted_type(bytes).ok_or(ErrorCode::UnsupportedFileType)?;
    let limit = match accepted {
        AcceptedType::Image(_) => limits.max_image_bytes,
        AcceptedType::File(_) => limits.max_file_bytes,
    };
    if bytes.len() > limit {
        return Err(ApiError::new(
            ErrorCode::FileTooLarge,
            format!("the file is larger than {} MiB", limit / (1024 * 1024)),
        ));
    }
    let id = uuid::Uuid::now_v7();
    let storage_key = format!("attachments/{tenant_id}/{id}");
    let sha256 = hex::encode(Sha256::digest(bytes));
    state
        .files
        .put(&storage_key, bytes)
        .await
        .map_err(|e| ApiError::Internal(format!("storing {storage_key}: {e}")))?;
    let size_bytes = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let mut attachment = state
        .store
        .insert_attachment(&kefu_store::NewAttachment {
            id,
            tenant_id,
            uploader_kind,
            uploader_id,
            file_name,
            content_type: accepted.mime(),
            size_bytes,
            sha256: &sha256,
            storage_key: &storage_key,
        })
        .await?;
    attachment.url = state.keys.file_url(id);
    Ok(attachment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_file_on_disk_reads_whole_or_from_an_offset_and_goes() {
        let dir = std::env::temp_dir().join(format!("kefu-files-{}", uuid::Uuid::new_v4()));
        let files = Files::on_disk(&dir);
        files.put("attachments/t/a", b"0123456789").await.unwrap();
        assert_eq!(
            files.read("attachments/t/a").await.unwrap().unwrap(),
            b"0123456789"
        );
        let mut rest = String::new();
        files
            .read_from("attachments/t/a", 7)
            .await
            .unwrap()
            .unwrap()
            .read_to_string(&mut rest)
            .await
            .unwrap();
        assert_eq!(rest, "789");
        assert!(files.read("attachments/t/b").await.unwrap().is_none());
        files.delete("attachments/t/a").await.unwrap();
        files.delete("attachments/t/a").await.unwrap();
        assert!(files.read("attachments/t/a").await.unwrap().is_none());
        let _ = std::fs::remove_dir_all(dir);
    }
}
