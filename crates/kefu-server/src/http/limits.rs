//! Per-address limits on the doors anyone may knock on (issue #15): starting a buyer session
//! (each new one is a row), signing in (and the first-run setup), uploading. The counting is
//! governor's (a keyed GCRA limiter per door); this module only says which door a request is
//! at and whose address it comes from. Past a limit: 429 `rate_limited` with `Retry-After`.
//!
//! Behind a reverse proxy every connection comes from the proxy, so the client's address is
//! read from `http.trusted_proxy_header` when it is set: of `X-Forwarded-For`'s list, the last
//! address, the one the proxy itself appended (earlier ones are whatever the client sent).
//! IPv6 clients count per /64, the block one subscriber gets, so an address spray from one
//! line does not multiply its allowance or the limiter's keys.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use kefu_domain::error_code::ErrorCode;

use crate::AppState;
use crate::error::ApiError;
use crate::settings::Limits;

/// A door with its own allowance per address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    BuyerSession,
    SignIn,
    Upload,
}

impl Door {
    /// The door a request knocks on, if it is one of the limited ones.
    pub fn of(method: &Method, path: &str) -> Option<Door> {
        if method != Method::POST {
            return None;
        }
        match path {
            "/api/v1/buyer/session" => Some(Door::BuyerSession),
            "/api/v1/auth/login" | "/api/v1/setup" => Some(Door::SignIn),
            "/api/v1/attachments" | "/api/v1/buyer/attachments" => Some(Door::Upload),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Door::BuyerSession => "buyer_session",
            Door::SignIn => "sign_in",
            Door::Upload => "upload",
        }
    }
}

/// One keyed limiter per door.
pub struct PerAddress {
    sessions: DefaultKeyedRateLimiter<IpAddr>,
    sign_ins: DefaultKeyedRateLimiter<IpAddr>,
    uploads: DefaultKeyedRateLimiter<IpAddr>,
}

impl PerAddress {
    pub fn new(limits: &Limits) -> PerAddress {
        let quota = |per_minute: u32| {
            Quota::per_minute(NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN))
        };
        PerAddress {
            sessions: RateLimiter::keyed(quota(limits.sessions_per_minute_per_ip)),
            sign_ins: RateLimiter::keyed(quota(limits.logins_per_minute_per_ip)),
            uploads: RateLimiter::keyed(quota(limits.uploads_per_minute_per_ip)),
        }
    }

    fn limiter(&self, door: Door) -> &DefaultKeyedRateLimiter<IpAddr> {
        match door {
            Door::BuyerSession => &self.sessions,
            Door::SignIn => &self.sign_ins,
            Door::Upload => &self.uploads,
        }
    }

    /// `Err(wait)` when `address` is over the door's allowance.
    pub fn check(&self, door: Door, address: IpAddr) -> Result<(), Duration> {
        self.limiter(door)
            .check_key(&address)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// Forgets addresses whose allowance is full again (the housekeeping job), so the keys
    /// held are those of the last minute's clients only.
    pub fn retain_recent(&self) {
        for door in [Door::BuyerSession, Door::SignIn, Door::Upload] {
            self.limiter(door).retain_recent();
        }
    }

    /// Addresses remembered now, across the doors (a gauge).
    pub fn len(&self) -> usize {
        [Door::BuyerSession, Door::SignIn, Door::Upload]
            .iter()
            .map(|d| self.limiter(*d).len())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The client's address: the trusted proxy header's (its last entry) when configured and
/// present and well-formed, else the connection's. IPv6 is cut to its /64.
pub fn client_address(headers: &HeaderMap, peer: SocketAddr, trusted_header: &str) -> IpAddr {
    let forwarded = (!trusted_header.is_empty())
        .then(|| headers.get_all(trusted_header).iter().next_back())
        .flatten()
        .and_then(|value| value.to_str().ok())
        .and_then(|list| list.rsplit(',').next())
        .and_then(|last| parse_address(last.trim()));
    match forwarded.unwrap_or(peer.ip()) {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                IpAddr::V6(Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:5678`.
fn parse_address(text: &str) -> Option<IpAddr> {
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// The middleware: counts a request at a limited door against its client's address.
pub async fn per_address(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let Some(door) = Door::of(request.method(), request.uri().path()) else {
        return next.run(request).await;
    };
    let address = client_address(
        request.headers(),
        peer,
        &state.settings.http.trusted_proxy_header,
    );
    match state.per_address.check(door, address) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            metrics::counter!("kefu_rate_limited_total", "door" => door.name()).increment(1);
            tracing::info!(%address, door = door.name(), "per-address limit hit");
            let seconds = wait.as_secs().max(1);
            let mut response = ApiError::new(
                ErrorCode::RateLimited,
                format!("too many requests from this address; try again in {seconds} s"),
            )
            .into_response();
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer() -> SocketAddr {
        "10.0.0.1:40000".parse().unwrap()
    }

    fn headers(name: &'static str, value: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_static(value));
        h
    }

    #[test]
    fn the_proxy_header_counts_only_when_trusted_and_only_its_last_address() {
        let forwarded = headers("x-forwarded-for", "6.6.6.6, 203.0.113.9");
        assert_eq!(
            client_address(&forwarded, peer(), ""),
            "10.0.0.1".parse::<IpAddr>().unwrap(),
            "untrusted: the connection's address"
        );
        assert_eq!(
            client_address(&forwarded, peer(), "X-Forwarded-For"),
            "203.0.113.9".parse::<IpAddr>().unwrap(),
            "the address the proxy appended, not the one the client wrote"
        );
        let real = headers("x-real-ip", "[2001:db8:1:2:3:4:5:6]:443");
        assert_eq!(
            client_address(&real, peer(), "x-real-ip"),
            "2001:db8:1:2::".parse::<IpAddr>().unwrap(),
            "IPv6 per /64"
        );
        let junk = headers("x-real-ip", "not an address");
        assert_eq!(
            client_address(&junk, peer(), "x-real-ip"),
            peer().ip(),
            "a malformed header falls back to the connection"
        );
        let mapped: SocketAddr = "[::ffff:192.0.2.7]:1".parse().unwrap();
        assert_eq!(
            client_address(&HeaderMap::new(), mapped, ""),
            "192.0.2.7".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn only_the_open_doors_are_limited() {
        assert_eq!(
            Door::of(&Method::POST, "/api/v1/buyer/session"),
            Some(Door::BuyerSession)
        );
        assert_eq!(Door::of(&Method::POST, "/api/v1/setup"), Some(Door::SignIn));
        assert_eq!(
            Door::of(&Method::POST, "/api/v1/buyer/attachments"),
            Some(Door::Upload)
        );
        assert_eq!(Door::of(&Method::GET, "/api/v1/setup"), None);
        assert_eq!(Door::of(&Method::POST, "/api/v1/conversations"), None);
    }

    #[test]
    fn an_address_over_its_allowance_waits_and_another_does_not() {
        let limits = Limits {
            sessions_per_minute_per_ip: 2,
            ..Limits::default()
        };
        let per = PerAddress::new(&limits);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(per.check(Door::BuyerSession, a).is_ok());
        assert!(per.check(Door::BuyerSession, a).is_ok());
        let wait = per.check(Door::BuyerSession, a).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        assert!(per.check(Door::BuyerSession, b).is_ok());
        assert!(per.check(Door::SignIn, a).is_ok(), "each door counts apart");
        assert_eq!(per.len(), 3);
    }
}
