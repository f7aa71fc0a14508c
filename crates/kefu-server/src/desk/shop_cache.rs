//! What the desk keeps per shop for a few seconds rather than read on every message: the
//! compiled automatic replies and intake filter, the chat page's service status. One process
//! forgets a shop's entry when it saves the shop's change; other processes see the change
//! when the entry grows older than its time to live. Bounded by the number of shops.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use uuid::Uuid;

/// A shop's entry and when it was read.
type Kept<T> = (Instant, Arc<T>);

/// Each shop's `T` and when it was read.
pub struct ShopCache<T> {
    ttl: Duration,
    kept: Arc<Mutex<HashMap<Uuid, Kept<T>>>>,
}

impl<T> Clone for ShopCache<T> {
    fn clone(&self) -> ShopCache<T> {
        ShopCache {
            ttl: self.ttl,
            kept: self.kept.clone(),
        }
    }
}

impl<T> ShopCache<T> {
    pub fn new(ttl: Duration) -> ShopCache<T> {
        ShopCache {
            ttl,
            kept: Arc::default(),
        }
    }

    /// The shop's entry, if it is younger than the time to live.
    pub fn get(&self, tenant_id: Uuid) -> Option<Arc<T>> {
        let kept = self.kept.lock().ok()?;
        kept.get(&tenant_id)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, value)| value.clone())
    }

    pub fn put(&self, tenant_id: Uuid, value: T) -> Arc<T> {
        let value = Arc::new(value);
        if let Ok(mut kept) = self.kept.lock() {
            kept.insert(tenant_id, (Instant::now(), value.clone()));
        }
        value
    }

    /// Reads the shop again on the next request (this process just saved a change).
    pub fn forget(&self, tenant_id: Uuid) {
        if let Ok(mut kept) = self.kept.lock() {
            kept.remove(&tenant_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_live_until_their_time_or_until_forgotten() {
        let cache = ShopCache::new(Duration::from_secs(60));
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        assert!(cache.get(a).is_none());
        cache.put(a, 1);
        assert_eq!(cache.get(a).as_deref(), Some(&1));
        assert!(cache.get(b).is_none());
        cache.forget(a);
        assert!(cache.get(a).is_none());
        let stale = ShopCache::new(Duration::ZERO);
        stale.put(a, 1);
        assert!(stale.get(a).is_none());
    }
}
