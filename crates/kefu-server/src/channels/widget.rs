//! The web widget (issue #21, CH-1): one `<script>` tag on a shop's own site, served at
//! `/widget/{id}.js`, puts a floating bubble on the page (in a shadow root, so the site's
//! styles do not reach it) that opens the shop's chat page in a frame, with the shop's colour
//! and, when the site gives one, the member's identity token. Only the sites the channel
//! lists may frame the chat page (CSP `frame-ancestors`); its buyers are the chat page's
//! (channel `web`), so nothing leaves through the outbox.

use std::sync::Arc;

use kefu_domain::error_code::ErrorCode;
use kefu_store::ChannelRow;
use serde_json::json;
use uuid::Uuid;

use super::{ChannelInput, Checked, Kind};
use crate::AppState;
use crate::error::ApiError;

/// The most sites one widget may be on.
pub const MAX_ORIGINS: usize = 10;
/// The bubble's colour unless the shop picks one.
pub const DEFAULT_COLOR: &str = "#2563eb";

/// The loader, with `__KEFU_WIDGET__` replaced by the widget's settings.
const LOADER: &str = include_str!("widget.js");

/// Checks a site's origin: `http(s)://host[:port]`, no path.
fn origin(raw: &str) -> Option<String> {
    let raw = raw.trim().trim_end_matches('/');
    let (scheme, rest) = raw.split_once("://")?;
    if !(scheme == "https" || scheme == "http") || rest.is_empty() || rest.len() > 200 {
        return None;
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) => {
            (host, Some(port))
        }
        _ => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '*')
        && !host.starts_with('.')
        && host.matches('*').count() <= 1
        && (!host.contains('*') || host.starts_with("*."));
    if !host_ok || port.is_some_and(|p| p.parse::<u16>().is_err()) {
        return None;
    }
    // A browser's `location.origin` leaves out the scheme's default port.
    let raw = raw.to_ascii_lowercase();
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    Some(match port.map(|p| format!(":{p}")) {
        Some(p) if p == default_port => raw.trim_end_matches(default_port).to_owned(),
        _ => raw,
    })
}

/// Checks a widget to connect: the sites it goes on, its colour and side.
pub fn check(input: &ChannelInput) -> Result<Checked, ApiError> {
    let bad = |why: String| ApiError::new(ErrorCode::InvalidChannel, why);
    let mut origins = Vec::new();
    for raw in input.origins.iter().filter(|o| !o.trim().is_empty()) {
        let checked = origin(raw).ok_or_else(|| {
            bad(format!(
                "`{}` is not a site's address (https://shop.example.com, no path)",
                raw.trim()
            ))
        })?;
        if !origins.contains(&checked) {
            origins.push(checked);
        }
    }
    if origins.is_empty() || origins.len() > MAX_ORIGINS {
        return Err(bad(format!(
            "the widget goes on 1–{MAX_ORIGINS} sites (their addresses)"
        )));
    }
    let color = input
        .color
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .unwrap_or(DEFAULT_COLOR);
    if !(color.len() == 7
        && color.starts_with('#')
        && color[1..].chars().all(|c| c.is_ascii_hexdigit()))
    {
        return Err(bad("the colour is #RRGGBB".into()));
    }
    let position = input.position.as_deref().map(str::trim).unwrap_or("right");
    if position != "right" && position != "left" {
        return Err(bad("the bubble sits right or left".into()));
    }
    Ok(Checked {
        // One account id per widget, unique like every platform's.
        public_id: format!("web-{}", &crate::auth::random_secret()[..16]),
        settings: json!({"mode": "widget", "origins": origins, "color": color.to_ascii_lowercase(), "position": position}),
        secrets: json!({}),
    })
}

/// The sites a widget may be framed by.
pub fn origins(channel: &ChannelRow) -> Vec<String> {
    channel.settings["origins"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|o| o.as_str())
                .filter_map(origin)
                .collect()
        })
        .unwrap_or_default()
}

/// The widget `id` and its shop's slug, if it is a widget.
async fn widget_of_shop(
    state: &AppState,
    id: Uuid,
) -> Result<Option<(Arc<ChannelRow>, String)>, ApiError> {
    let channel = match super::callback_channel_of(state, id, Kind::Widget).await {
        Ok(channel) => channel,
        Err(error) if error.code() == ErrorCode::ChannelNotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    let tenant = state.store.tenant(channel.tenant_id).await?;
    Ok(tenant.map(|t| (channel, t.slug)))
}

/// The script the shop's site loads: the loader with this widget's settings, or, for a
/// paused widget, a line that does nothing. `None`: no such widget.
pub async fn script(state: &AppState, id: Uuid) -> Result<Option<String>, ApiError> {
    let Some((channel, shop)) = widget_of_shop(state, id).await? else {
        return Ok(None);
    };
    if channel.paused {
        return Ok(Some("/* kefu: this widget is paused */\n".to_owned()));
    }
    let settings = json!({
        "id": channel.id,
        "shop": shop,
        "name": channel.name,
        "color": channel.settings["color"].as_str().unwrap_or(DEFAULT_COLOR),
        "position": channel.settings["position"].as_str().unwrap_or("right"),
        "origins": origins(&channel),
    });
    // JSON inside a script: `<` escaped so no `</script>` can close it.
    let settings = settings.to_string().replace('<', "\\u003c");
    Ok(Some(LOADER.replace("__KEFU_WIDGET__", &settings)))
}

/// The extra `frame-ancestors` of the chat page of shop `slug` opened by widget `id`: its
/// sites, when the widget is the shop's and not paused.
pub async fn frame_ancestors(state: &AppState, slug: &str, id: Uuid) -> Vec<String> {
    match widget_of_shop(state, id).await {
        Ok(Some((channel, shop))) if shop == slug && !channel.paused => origins(&channel),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_are_origins_without_a_path() {
        assert_eq!(
            origin("https://Shop.Example.com/").as_deref(),
            Some("https://shop.example.com")
        );
        assert_eq!(
            origin("http://localhost:8080").as_deref(),
            Some("http://localhost:8080")
        );
        assert_eq!(
            origin("https://*.example.com").as_deref(),
            Some("https://*.example.com")
        );
        assert_eq!(
            origin("https://shop.example.com:443").as_deref(),
            Some("https://shop.example.com")
        );
        assert_eq!(
            origin("http://shop.example.com:8443").as_deref(),
            Some("http://shop.example.com:8443")
        );
        for bad in [
            "shop.example.com",
            "ftp://x.com",
            "https://x.com/path",
            "https://",
            "https://x.com:99999",
            "https://a*b.com",
            "https://x.com;script-src *",
            "https://x.com 'unsafe-inline'",
        ] {
            assert_eq!(origin(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_widget_needs_a_site_and_takes_a_colour_and_side() {
        let input = ChannelInput {
            kind: "widget".into(),
            origins: vec![
                "https://shop.example.com".into(),
                "https://shop.example.com/".into(),
            ],
            color: Some("#0F766E".into()),
            position: Some("left".into()),
            ..Default::default()
        };
        let checked = check(&input).unwrap();
        assert_eq!(
            checked.settings["origins"],
            json!(["https://shop.example.com"])
        );
        assert_eq!(checked.settings["color"], "#0f766e");
        assert_eq!(checked.settings["position"], "left");
        assert!(checked.public_id.starts_with("web-"));
        for bad in [
            ChannelInput {
                kind: "widget".into(),
                ..Default::default()
            },
            ChannelInput {
                color: Some("red".into()),
                ..input.clone()
            },
            ChannelInput {
                position: Some("top".into()),
                ..input.clone()
            },
            ChannelInput {
                origins: vec!["javascript:alert(1)".into()],
                ..input.clone()
            },
        ] {
            assert!(check(&bad).is_err(), "{bad:?}");
        }
    }
}
