//! Which uploads kefu accepts (CH-1: pictures, video, files), judged from the content's magic
//! bytes, never from a name or a claimed type.

/// An accepted upload type and its MIME name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptedType {
    Image(&'static str),
    File(&'static str),
}

impl AcceptedType {
    pub fn mime(self) -> &'static str {
        match self {
            AcceptedType::Image(m) | AcceptedType::File(m) => m,
        }
    }
}

const IMAGES: [(&[u8], &str); 5] = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"RIFF", "image/webp"),
];

/// The accepted type of `bytes`, or `None`. Plain UTF-8 text without NULs is `text/plain`;
/// ZIP containers (also .docx/.xlsx) are `application/zip`; MP4 is recognised by `ftyp`.
pub fn accepted_type(bytes: &[u8]) -> Option<AcceptedType> {
    for (magic, mime) in IMAGES {
        if bytes.starts_with(magic) {
            if mime == "image/webp" && bytes.get(8..12) != Some(b"WEBP") {
                continue;
            }
            return Some(AcceptedType::Image(mime));
        }
    }
    if bytes.starts_with(b"%PDF-") {
        return Some(AcceptedType::File("application/pdf"));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Some(AcceptedType::File("application/zip"));
    }
    if bytes.get(4..8) == Some(b"ftyp") {
        return Some(AcceptedType::File("video/mp4"));
    }
    if !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok() {
        return Some(AcceptedType::File("text/plain; charset=utf-8"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_are_recognised_by_their_bytes() {
        assert_eq!(
            accepted_type(b"\x89PNG\r\n\x1a\n...."),
            Some(AcceptedType::Image("image/png"))
        );
        assert_eq!(
            accepted_type(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(AcceptedType::Image("image/webp"))
        );
        // A RIFF that is not WebP (a WAV, say) is not a picture.
        assert_eq!(accepted_type(b"RIFF\0\0\0\0WAVEfmt "), None);
    }

    #[test]
    fn executables_and_binary_junk_are_refused() {
        assert_eq!(accepted_type(b"MZ\x90\0\x03\0\0\0"), None);
        assert_eq!(accepted_type(b"\x7fELF\x02\x01\x01\0"), None);
        assert_eq!(accepted_type(&[0xff, 0xfe, 0, 0]), None);
    }

    #[test]
    fn documents_text_and_video_are_files() {
        assert_eq!(
            accepted_type(b"%PDF-1.7"),
            Some(AcceptedType::File("application/pdf"))
        );
        assert_eq!(
            accepted_type("订单号 123".as_bytes()).map(AcceptedType::mime),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(
            accepted_type(b"\0\0\0\x18ftypmp42").map(AcceptedType::mime),
            Some("video/mp4")
        );
    }
}
