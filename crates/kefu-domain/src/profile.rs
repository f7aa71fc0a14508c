//! One person across channels (CH-6): what makes buyers on two channels the same person. A
//! buyer carries keys (the shop's member id, a phone number, an email address, a WeChat
//! unionid) from what their channel knows of them; two buyers of a shop with one key are
//! linked into one profile. Keys are normalised here, so `+86 139-0000-5678` and
//! `13900005678` are one phone and `Li@Shop.example` and `li@shop.example` one address.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BuyerKeyKind {
    /// The shop's own member id, as its site or app vouched for it.
    Member,
    Phone,
    Email,
    /// WeChat's unionid: one person across a company's Official Accounts and WeCom.
    Unionid,
}

impl BuyerKeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BuyerKeyKind::Member => "member",
            BuyerKeyKind::Phone => "phone",
            BuyerKeyKind::Email => "email",
            BuyerKeyKind::Unionid => "unionid",
        }
    }

    pub fn parse(s: &str) -> Option<BuyerKeyKind> {
        Some(match s {
            "member" => BuyerKeyKind::Member,
            "phone" => BuyerKeyKind::Phone,
            "email" => BuyerKeyKind::Email,
            "unionid" => BuyerKeyKind::Unionid,
            _ => return None,
        })
    }
}

/// One key of a buyer, normalised: built only by the constructors below.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub struct BuyerKey {
    pub kind: BuyerKeyKind,
    pub value: String,
}

impl BuyerKey {
    /// The shop's member id (1–128 characters).
    pub fn member(id: &str) -> Option<BuyerKey> {
        let id = id.trim();
        (!id.is_empty() && id.chars().count() <= 128).then(|| BuyerKey {
            kind: BuyerKeyKind::Member,
            value: id.to_owned(),
        })
    }

    /// A phone number: its digits, without China's country code on a mobile number
    /// (`+86 139 0000 5678`, `0086-13900005678` and `13900005678` are one), another
    /// country's with its `+` and code (`+14155550100`); 5–20 digits.
    pub fn phone(raw: &str) -> Option<BuyerKey> {
        let raw = raw.trim();
        if raw.is_empty()
            || !raw
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'))
        {
            return None;
        }
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        let mobile = |d: &str| d.len() == 11 && d.starts_with('1');
        let international = raw.starts_with('+') || digits.starts_with("00");
        let value = match ["0086", "86"]
            .iter()
            .find_map(|cc| digits.strip_prefix(cc).filter(|rest| mobile(rest)))
        {
            Some(national) => national.to_owned(),
            // Another country's number keeps its `+` and code: never one of China's.
            None if international => format!("+{}", digits.trim_start_matches("00")),
            None => digits.clone(),
        };
        let length = value.trim_start_matches('+').len();
        (5..=20).contains(&length).then_some(BuyerKey {
            kind: BuyerKeyKind::Phone,
            value,
        })
    }

    /// An email address, lower-cased (`local@domain`, at most 254 characters).
    pub fn email(raw: &str) -> Option<BuyerKey> {
        let address = raw.trim().to_lowercase();
        let valid = address.len() <= 254
            && !address.chars().any(char::is_whitespace)
            && address.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !domain.contains('@')
            });
        valid.then_some(BuyerKey {
            kind: BuyerKeyKind::Email,
            value: address,
        })
    }

    /// A WeChat unionid (10–64 letters, digits, `-` or `_`).
    pub fn unionid(raw: &str) -> Option<BuyerKey> {
        let id = raw.trim();
        let valid = (10..=64).contains(&id.len())
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        valid.then(|| BuyerKey {
            kind: BuyerKeyKind::Unionid,
            value: id.to_owned(),
        })
    }

    /// What agents see of it: a phone masked (`139****5678`), an email's local part cut
    /// (`l***@shop.example`); member ids and unionids as they are.
    pub fn shown(&self) -> String {
        match self.kind {
            BuyerKeyKind::Phone if self.value.len() >= 7 => {
                let v = &self.value;
                format!("{}****{}", &v[..3], &v[v.len() - 4..])
            }
            BuyerKeyKind::Phone => "****".to_owned(),
            BuyerKeyKind::Email => match self.value.split_once('@') {
                Some((local, domain)) => {
                    let first: String = local.chars().take(1).collect();
                    format!("{first}***@{domain}")
                }
                None => "***".to_owned(),
            },
            BuyerKeyKind::Member | BuyerKeyKind::Unionid => self.value.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_phone_however_it_is_written() {
        let plain = BuyerKey::phone("13900005678").unwrap();
        for written in [
            "+86 139 0000 5678",
            "0086-13900005678",
            "86 13900005678",
            " 139-0000-5678 ",
        ] {
            assert_eq!(BuyerKey::phone(written).as_ref(), Some(&plain), "{written}");
        }
        assert_eq!(BuyerKey::phone("4008001234").unwrap().value, "4008001234");
        // A landline keeps its digits; another country's number its `+` and code, so it is
        // never taken for one of China's mobiles (+1 310 555 1234 is not 131 0555 1234).
        assert_eq!(
            BuyerKey::phone("010-12345678").unwrap().value,
            "01012345678"
        );
        for abroad in ["+1 415 555 0100", "001 415 555 0100"] {
            assert_eq!(BuyerKey::phone(abroad).unwrap().value, "+14155550100");
        }
        assert_ne!(
            BuyerKey::phone("+1 310 555 1234"),
            BuyerKey::phone("13105551234")
        );
        for bad in [
            "",
            "1234",
            "anonymous",
            "139O0005678",
            "123456789012345678901",
        ] {
            assert_eq!(BuyerKey::phone(bad), None, "{bad}");
        }
        assert_eq!(plain.shown(), "139****5678");
    }

    #[test]
    fn one_address_in_any_case() {
        let key = BuyerKey::email(" Li.Ming@Shop.Example ").unwrap();
        assert_eq!(key.value, "li.ming@shop.example");
        assert_eq!(key.shown(), "l***@shop.example");
        for bad in [
            "",
            "li",
            "li@",
            "@shop.example",
            "li@shop",
            "a b@shop.example",
            "a@b@c.d",
        ] {
            assert_eq!(BuyerKey::email(bad), None, "{bad}");
        }
    }

    #[test]
    fn members_and_unionids_are_kept_as_given() {
        assert_eq!(BuyerKey::member(" tea-m0001 ").unwrap().value, "tea-m0001");
        assert_eq!(BuyerKey::member("  "), None);
        assert_eq!(BuyerKey::member(&"x".repeat(129)), None);
        let union = BuyerKey::unionid("o6_bmasdasdsad6_2sgVt7hMZOPfL").unwrap();
        assert_eq!(union.kind, BuyerKeyKind::Unionid);
        assert_eq!(BuyerKey::unionid("short"), None);
        assert_eq!(BuyerKey::unionid("has space in it"), None);
        for kind in [
            BuyerKeyKind::Member,
            BuyerKeyKind::Phone,
            BuyerKeyKind::Email,
            BuyerKeyKind::Unionid,
        ] {
            assert_eq!(BuyerKeyKind::parse(kind.as_str()), Some(kind));
        }
    }
}
