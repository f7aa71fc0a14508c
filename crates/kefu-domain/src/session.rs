//! Where a buyer's session starts (CH-2), decided from what the buyer brought once its
//! signatures were checked: the entry link's claims and the shop's identity token. The rules:
//! the platform's desk is always the official desk; a shop's entry link names the entry (else
//! the shop's home page); the member a shop vouched for is the link's, else the identity
//! token's; and an order entry must name the buyer whose order it is.

use crate::account::TenantKind;
use crate::channel::Entry;
use crate::commerce::{EntryContext, InputError};
use crate::error_code::ErrorCode;

/// The highest VIP level a shop may give a member.
pub const MAX_VIP_LEVEL: u8 = 9;

/// A shopper a shop vouched for by signing its member id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: String,
    pub name: Option<String>,
    pub vip: Option<u8>,
    /// What else the shop vouched for (a phone, an email, a WeChat unionid) and the member
    /// id itself: the buyer's keys across channels (CH-6).
    pub keys: Vec<crate::profile::BuyerKey>,
}

impl Member {
    /// The name agents see: the one the shop signed, else 会员 and the id's last characters.
    pub fn display_name(&self) -> String {
        match self.name.as_deref().map(str::trim) {
            Some(name) if !name.is_empty() => name.to_owned(),
            _ => format!("会员{}", tail(&self.id)),
        }
    }

    /// The VIP level the shop signed, at most [`MAX_VIP_LEVEL`].
    pub fn vip_level(&self) -> Option<u8> {
        self.vip.map(|v| v.min(MAX_VIP_LEVEL))
    }
}

/// The last four characters of an id, for names made up from it.
pub fn tail(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

/// A verified entry link: where the buyer tapped 客服, about what, and who (when signed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryLink {
    pub entry: Entry,
    pub member: Option<Member>,
    pub context: EntryContext,
}

/// A buyer session's start, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionStart {
    pub entry: Entry,
    /// The member the shop vouched for; `None` for an anonymous or returning buyer.
    pub member: Option<Member>,
    /// What the conversation opens about, when the link said.
    pub context: Option<EntryContext>,
}

impl SessionStart {
    pub fn parse(
        shop: TenantKind,
        link: Option<EntryLink>,
        identity: Option<Member>,
    ) -> Result<SessionStart, InputError> {
        let entry = match (shop, &link) {
            (TenantKind::Platform, _) => Entry::OfficialDesk,
            (TenantKind::Shop, Some(link)) if link.entry != Entry::OfficialDesk => link.entry,
            (TenantKind::Shop, _) => Entry::ShopHome,
        };
        let (link_member, context) = match link {
            Some(link) => (link.member, Some(link.context)),
            None => (None, None),
        };
        let member = link_member.or(identity);
        if member.is_none() && context.as_ref().is_some_and(|c| c.order_no.is_some()) {
            return Err(InputError::new(
                ErrorCode::InvalidEntry,
                "an order entry must name the buyer (sub)",
            ));
        }
        Ok(SessionStart {
            entry,
            member,
            context: context.filter(|c| !c.is_empty()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str) -> Member {
        Member {
            id: id.to_owned(),
            name: None,
            vip: Some(12),
            keys: vec![],
        }
    }

    fn link(entry: Entry, member: Option<Member>, order_no: Option<&str>) -> EntryLink {
        EntryLink {
            entry,
            member,
            context: EntryContext {
                order_no: order_no.map(str::to_owned),
                ..EntryContext::default()
            },
        }
    }

    #[test]
    fn the_entry_comes_from_the_link_except_on_the_platform_desk() {
        let start = |shop, link| SessionStart::parse(shop, link, None).unwrap().entry;
        assert_eq!(start(TenantKind::Shop, None), Entry::ShopHome);
        let card = link(Entry::OrderCard, Some(member("m1")), Some("T1"));
        assert_eq!(
            start(TenantKind::Shop, Some(card.clone())),
            Entry::OrderCard
        );
        assert_eq!(start(TenantKind::Platform, Some(card)), Entry::OfficialDesk);
        let official = link(Entry::OfficialDesk, None, None);
        assert_eq!(start(TenantKind::Shop, Some(official)), Entry::ShopHome);
    }

    #[test]
    fn the_links_member_comes_before_the_identity_token() {
        let both = SessionStart::parse(
            TenantKind::Shop,
            Some(link(Entry::ProductPage, Some(member("from-link")), None)),
            Some(member("from-identity")),
        )
        .unwrap();
        assert_eq!(both.member.map(|m| m.id), Some("from-link".to_owned()));
        let identity_only = SessionStart::parse(
            TenantKind::Shop,
            Some(link(Entry::ProductPage, None, None)),
            Some(member("from-identity")),
        )
        .unwrap();
        assert_eq!(
            identity_only.member.map(|m| m.id),
            Some("from-identity".to_owned())
        );
        assert_eq!(
            identity_only.context, None,
            "an empty context opens nothing"
        );
    }

    #[test]
    fn an_order_entry_must_name_its_buyer() {
        let anonymous = SessionStart::parse(
            TenantKind::Shop,
            Some(link(Entry::OrderCard, None, Some("T1"))),
            None,
        );
        assert_eq!(anonymous.unwrap_err().code, ErrorCode::InvalidEntry);
        let vouched = SessionStart::parse(
            TenantKind::Shop,
            Some(link(Entry::OrderCard, None, Some("T1"))),
            Some(member("m1")),
        )
        .unwrap();
        assert_eq!(
            vouched.context.and_then(|c| c.order_no),
            Some("T1".to_owned())
        );
    }

    #[test]
    fn a_members_name_and_level_are_as_the_shop_signed_them_within_bounds() {
        let mut m = member("tea-m0042");
        assert_eq!(m.display_name(), "会员0042");
        assert_eq!(m.vip_level(), Some(MAX_VIP_LEVEL));
        m.name = Some(" 王先生 ".to_owned());
        assert_eq!(m.display_name(), "王先生");
    }
}
