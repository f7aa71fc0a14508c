//! kefu's channels on the wire (issue #21, CH-3): each platform's signatures, encryption and
//! message formats as pure functions over bytes and strings, tested against the official
//! vectors in `../shared/CHANNELS.md`. No IO: the server's `channels` room calls these, and
//! the fuzz targets feed them anything.

pub mod douyin;
pub mod email;
pub mod phone;
pub mod wechat_mp;
pub mod wecom_kf;
pub mod window;
pub mod wxcrypt;
pub mod xml;

/// Why a platform's input was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("the EncodingAESKey is not 43 characters of base64")]
    BadKey,
    #[error("the signature does not match")]
    BadSignature,
    #[error("the encrypted message does not decrypt")]
    BadCiphertext,
    #[error("the message is for another account")]
    WrongReceiver,
    #[error("the XML is not a platform message")]
    BadXml,
    #[error("a required field is missing")]
    MissingField,
    #[error("message type {0} is not supported")]
    Unsupported(String),
    #[error("the account takes only encrypted pushes")]
    NotEncrypted,
    #[error("the timestamp is more than five minutes off")]
    Stale,
}

impl WireError {
    /// The caller did not prove it is the platform (a signature, a key, the time), as
    /// opposed to a signed message kefu cannot read.
    pub fn is_refusal(&self) -> bool {
        !matches!(
            self,
            WireError::BadXml | WireError::MissingField | WireError::Unsupported(_)
        )
    }
}
