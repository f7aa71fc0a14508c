//! The WXBizMsgCrypt scheme shared by the WeChat Official Account's safe mode, WeCom's
//! callbacks and 微信客服 (CHANNELS.md §1): SHA-1 signatures over the sorted parts, and
//! AES-256-CBC over `random(16) ‖ len(4, big-endian) ‖ msg ‖ receive_id` with PKCS#7 padding
//! to 32-byte blocks.

use aes::Aes256;
use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use sha1::{Digest, Sha1};

use crate::WireError;

/// The platforms' base64: standard alphabet; their EncodingAESKeys end in a symbol with
/// non-zero trailing bits, and padding is taken either way.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
const STANDARD: GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The padding's block size: 32, not AES's 16.
const PAD_BLOCK: usize = 32;

/// One account's keys: the token signatures are made with, the AES key, and the id the
/// plaintext must end with (the AppID, or WeCom's CorpID).
#[derive(Clone)]
pub struct WxCrypt {
    token: String,
    key: [u8; 32],
    receive_id: String,
}

impl std::fmt::Debug for WxCrypt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WxCrypt")
            .field("receive_id", &self.receive_id)
            .finish_non_exhaustive()
    }
}

/// The lower-case hex SHA-1 of `parts` sorted and joined, as WeChat signs.
pub fn signature(parts: &[&str]) -> String {
    let mut sorted = parts.to_vec();
    sorted.sort_unstable();
    let mut hasher = Sha1::new();
    for part in sorted {
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Compares two signatures in time independent of where they differ.
pub fn same_signature(expected: &str, given: &str) -> bool {
    let (a, b) = (
        expected.as_bytes(),
        given.trim().to_ascii_lowercase().into_bytes(),
    );
    a.len() == b.len() && a.iter().zip(&b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl WxCrypt {
    /// Checks the 43-character EncodingAESKey.
    pub fn new(
        token: &str,
        encoding_aes_key: &str,
        receive_id: &str,
    ) -> Result<WxCrypt, WireError> {
        let key_text = encoding_aes_key.trim();
        if key_text.len() != 43 {
            return Err(WireError::BadKey);
        }
        let bytes = LENIENT
            .decode(format!("{key_text}="))
            .map_err(|_| WireError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| WireError::BadKey)?;
        Ok(WxCrypt {
            token: token.to_owned(),
            key,
            receive_id: receive_id.to_owned(),
        })
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// `msg_signature`: over the token, timestamp, nonce and the encrypted message.
    pub fn sign(&self, timestamp: &str, nonce: &str, encrypted: &str) -> String {
        signature(&[&self.token, timestamp, nonce, encrypted])
    }

    /// The plain-mode `signature`: over the token, timestamp and nonce.
    pub fn sign_plain(&self, timestamp: &str, nonce: &str) -> String {
        signature(&[&self.token, timestamp, nonce])
    }

    /// Checks a `msg_signature`.
    pub fn verify(
        &self,
        signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypted: &str,
    ) -> Result<(), WireError> {
        match same_signature(&self.sign(timestamp, nonce, encrypted), signature) {
            true => Ok(()),
            false => Err(WireError::BadSignature),
        }
    }

    /// Checks a plain-mode `signature`.
    pub fn verify_plain(
        &self,
        signature: &str,
        timestamp: &str,
        nonce: &str,
    ) -> Result<(), WireError> {
        match same_signature(&self.sign_plain(timestamp, nonce), signature) {
            true => Ok(()),
            false => Err(WireError::BadSignature),
        }
    }

    /// Decrypts an `Encrypt` value: the message, once its receive id is this account's.
    pub fn decrypt(&self, encrypted: &str) -> Result<String, WireError> {
        let mut buf = LENIENT
            .decode(encrypted.trim())
            .map_err(|_| WireError::BadCiphertext)?;
        if buf.is_empty() || buf.len() % 16 != 0 {
            return Err(WireError::BadCiphertext);
        }
        let iv: [u8; 16] = self.key[..16].try_into().map_err(|_| WireError::BadKey)?;
        let plain = cbc::Decryptor::<Aes256>::new(&self.key.into(), &iv.into())
            .decrypt_padded_mut::<NoPadding>(&mut buf)
            .map_err(|_| WireError::BadCiphertext)?;
        let pad = usize::from(*plain.last().ok_or(WireError::BadCiphertext)?);
        if pad == 0 || pad > PAD_BLOCK || pad > plain.len() {
            return Err(WireError::BadCiphertext);
        }
        let body = &plain[..plain.len() - pad];
        let header = body.get(16..20).ok_or(WireError::BadCiphertext)?;
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let msg = body
            .get(20..20usize.saturating_add(len))
            .ok_or(WireError::BadCiphertext)?;
        let receive_id = &body[20 + len..];
        if receive_id != self.receive_id.as_bytes() {
            return Err(WireError::WrongReceiver);
        }
        String::from_utf8(msg.to_vec()).map_err(|_| WireError::BadCiphertext)
    }

    /// Encrypts `msg` with fresh random bytes.
    pub fn encrypt(&self, msg: &str) -> Result<String, WireError> {
        let mut random = [0u8; 16];
        getrandom::fill(&mut random).map_err(|_| WireError::BadKey)?;
        Ok(self.encrypt_with(&random, msg))
    }

    /// Encrypts `msg` with the given random bytes (the vectors fix them).
    pub fn encrypt_with(&self, random: &[u8; 16], msg: &str) -> String {
        let msg = msg.as_bytes();
        let mut plain = Vec::with_capacity(20 + msg.len() + self.receive_id.len() + PAD_BLOCK);
        plain.extend_from_slice(random);
        plain.extend_from_slice(&u32::try_from(msg.len()).unwrap_or(u32::MAX).to_be_bytes());
        plain.extend_from_slice(msg);
        plain.extend_from_slice(self.receive_id.as_bytes());
        let pad = PAD_BLOCK - plain.len() % PAD_BLOCK;
        plain.extend(std::iter::repeat_n(pad as u8, pad));
        let len = plain.len();
        let iv: [u8; 16] = {
            let mut iv = [0u8; 16];
            iv.copy_from_slice(&self.key[..16]);
            iv
        };
        let cipher = cbc::Encryptor::<Aes256>::new(&self.key.into(), &iv.into())
            .encrypt_padded_mut::<NoPadding>(&mut plain, len)
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        STANDARD.encode(cipher)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    const V1_ENCRYPT: &str = "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=";

    #[test]
    fn v1_the_official_account_sample_verifies_and_decrypts() {
        let crypt = WxCrypt::new("spamtest", V1_KEY, "wx2c2769f8efd9abc2").unwrap();
        assert_eq!(
            hex::encode(crypt.key),
            "69b71d79f8218a39259a7a29aabb2dbafc31cb3d35db7e39ebbf3d0010831051"
        );
        crypt
            .verify(
                "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
                "1409735669",
                "1320562132",
                V1_ENCRYPT,
            )
            .unwrap();
        assert_eq!(
            crypt.verify(
                "5d197aaffba7e9b25a30732f161a50dee96bd5fb",
                "1409735669",
                "1320562132",
                V1_ENCRYPT
            ),
            Err(WireError::BadSignature)
        );
        let msg = crypt.decrypt(V1_ENCRYPT).unwrap();
        assert_eq!(
            msg,
            "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n<CreateTime>1409735668</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[abcdteT]]></Content>\n<MsgId>6054768590064713728</MsgId>\n</xml>"
        );
        // Another account's AppID does not open it.
        let other = WxCrypt::new("spamtest", V1_KEY, "wx0000000000000000").unwrap();
        assert_eq!(other.decrypt(V1_ENCRYPT), Err(WireError::WrongReceiver));
    }

    #[test]
    fn v2_plain_mode_signature() {
        let crypt = WxCrypt::new("test", V1_KEY, "x").unwrap();
        crypt
            .verify_plain(
                "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff",
                "1410685589",
                "test",
            )
            .unwrap();
        assert!(
            crypt
                .verify_plain(
                    "f21891de399b4e33a1a93c9a7b8a8fffb5a443fe",
                    "1410685589",
                    "test"
                )
                .is_err()
        );
    }

    #[test]
    fn v3_deterministic_encryption_of_utf8() {
        let crypt = WxCrypt::new("pamtest", V1_KEY, "wxb11529c136998cb6").unwrap();
        let random = b"aaaabbbbccccdddd";
        let encrypted = crypt.encrypt_with(random, "我是中文abcd123");
        assert_eq!(
            encrypted,
            "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
        );
        assert_eq!(
            crypt.sign("1409304348", "xxxxxx", &encrypted),
            "82c962d39941aa48552f90ef55aa323dc620cc10"
        );
        assert_eq!(crypt.decrypt(&encrypted).unwrap(), "我是中文abcd123");
        let video = "<xml><ToUserName><![CDATA[oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw]]></ToUserName><FromUserName><![CDATA[gh_7f083739789a]]></FromUserName><CreateTime>1407743423</CreateTime><MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[eYJ1MbwPRJtOvIEabaxHs7TX2D-HV71s79GUxqdUkjm6Gs2Ed1KF3ulAOA9H1xG0]]></MediaId><Title><![CDATA[testCallBackReplyVideo]]></Title><Description><![CDATA[testCallBackReplyVideo]]></Description></Video></xml>";
        assert_eq!(
            crypt.encrypt_with(random, video),
            "jn1L23DB+6ELqJ+6bruv23M2GmYfkv0xBh2h+XTBOKVKcgDFHle6gqcZ1cZrk3e1qjPQ1F4RsLWzQRG9udbKWesxlkupqcEcW7ZQweImX9+wLMa0GaUzpkycA8+IamDBxn5loLgZpnS7fVAbExOkK5DYHBmv5tptA9tklE/fTIILHR8HLXa5nQvFb3tYPKAlHF3rtTeayNf0QuM+UW/wM9enGIDIJHF7CLHiDNAYxr+r+OrJCmPQyTy8cVWlu9iSvOHPT/77bZqJucQHQ04sq7KZI27OcqpQNSto2OdHCoTccjggX5Z9Mma0nMJBU+jLKJ38YB1fBIz+vBzsYjrTmFQ44YfeEuZ+xRTQwr92vhA9OxchWVINGC50qE/6lmkwWTwGX9wtQpsJKhP+oS7rvTY8+VdzETdfakjkwQ5/Xka042OlUb1/slTwo4RscuQ+RdxSGvDahxAJ6+EAjLt9d8igHngxIbf6YyqqROxuxqIeIch3CssH/LqRs+iAcILvApYZckqmA7FNERspKA5f8GoJ9sv8xmGvZ9Yrf57cExWtnX8aCMMaBropU/1k+hKP5LVdzbWCG0hGwx/dQudYR/eXp3P0XxjlFiy+9DMlaFExWUZQDajPkdPrEeOwofJb"
        );
    }

    #[test]
    fn v4_the_wecom_example_with_a_pad_of_thirty() {
        let crypt = WxCrypt::new(
            "QDG6eK",
            "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
            "wx5823bf96d3bd56c7",
        )
        .unwrap();
        assert_eq!(
            hex::encode(crypt.key),
            "8d69989bbaabe67328014c194631ad0719b3dca035b64023df292447aab60760"
        );
        let echostr = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";
        crypt
            .verify(
                "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
                "1409659589",
                "263014780",
                echostr,
            )
            .unwrap();
        assert_eq!(crypt.decrypt(echostr).unwrap(), "1616140317555161061");
        let encrypt = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==";
        crypt
            .verify(
                "477715d11cdb4164915debcba66cb864d751f3e6",
                "1409659813",
                "1372623149",
                encrypt,
            )
            .unwrap();
        let msg = crypt.decrypt(encrypt).unwrap();
        assert!(msg.starts_with("<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n"));
        assert!(
            msg.contains(
                "<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>"
            )
        );
        assert!(msg.ends_with("<AgentID>218</AgentID>\n</xml>"));
    }

    #[test]
    fn v5_wecom_verify_decrypt_and_a_deterministic_reply() {
        let crypt = WxCrypt::new(
            "123456",
            "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
            "wx49f0ab532d5d035a",
        )
        .unwrap();
        let echostr = "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==";
        crypt
            .verify(
                "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96",
                "1411443780",
                "437374425",
                echostr,
            )
            .unwrap();
        assert!(
            crypt
                .verify(
                    "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96",
                    "1411443780",
                    "437374424",
                    echostr
                )
                .is_err()
        );
        assert_eq!(crypt.decrypt(echostr).unwrap(), "5927782489442352469");
        let encrypt = "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=";
        crypt
            .verify(
                "74d92dfeb87ba7c714f89d98870ae5eb62dff26d",
                "1411525903",
                "461056294",
                encrypt,
            )
            .unwrap();
        let msg = crypt.decrypt(encrypt).unwrap();
        assert!(msg.contains("<FromUserName><![CDATA[messense]]></FromUserName>"));
        assert!(msg.contains("<MsgId>4363689963896700987</MsgId>"));
        let reply = "<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n<ToUserName><![CDATA[messense]]></ToUserName>\n<AgentID>1</AgentID>\n<CreateTime>1411525903</CreateTime>\n</xml>";
        let encrypted = crypt.encrypt_with(b"1234567890123456", reply);
        assert_eq!(
            encrypted,
            "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3"
        );
        assert_eq!(
            crypt.sign("1411525903", "461056294", &encrypted),
            "407518b7649e86ef23978113f92d27afa9296533"
        );
    }

    #[test]
    fn bad_keys_and_ciphertexts_are_refused_without_panicking() {
        assert_eq!(
            WxCrypt::new("t", "short", "x").err(),
            Some(WireError::BadKey)
        );
        assert_eq!(
            WxCrypt::new("t", &"!".repeat(43), "x").err(),
            Some(WireError::BadKey)
        );
        let crypt = WxCrypt::new("t", V1_KEY, "x").unwrap();
        for bad in [
            "",
            "abc",
            "AAAA",
            "AAAAAAAAAAAAAAAAAAAAAA==",
            &"A".repeat(64),
        ] {
            assert!(crypt.decrypt(bad).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn encryption_round_trips(msg in ".{0,300}", random in proptest::array::uniform16(0u8..)) {
            let crypt = WxCrypt::new("t", V1_KEY, "wx2c2769f8efd9abc2").unwrap();
            proptest::prop_assert_eq!(crypt.decrypt(&crypt.encrypt_with(&random, &msg)).unwrap(), msg);
        }

        #[test]
        fn decrypting_anything_never_panics(text in "[A-Za-z0-9+/=]{0,200}") {
            let crypt = WxCrypt::new("t", V1_KEY, "x").unwrap();
            let _ = crypt.decrypt(&text);
        }
    }
}
