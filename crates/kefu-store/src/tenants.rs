//! Tenants (ACC-1): shops and the platform desk, and each one's settings (SQL:
//! `sql/tenants.rs`).

use kefu_domain::account::{Tenant, TenantKind};
use kefu_domain::guard::ShopSettings;
use uuid::Uuid;

use crate::{NewAudit, Result, Store};

impl Store {
    pub async fn create_tenant(
        &self,
        kind: TenantKind,
        slug: &str,
        name: &str,
        identity_secret: &str,
        audit: impl FnOnce(&Tenant) -> Vec<NewAudit> + Send,
    ) -> Result<Tenant> {
        dispatch!(
            self,
            tenants::create_tenant(&self.vault, kind, slug, name, identity_secret, audit)
        )
    }

    pub async fn tenant_by_slug(&self, slug: &str) -> Result<Option<Tenant>> {
        dispatch!(self, tenants::tenant_by_slug(slug))
    }

    /// Every tenant, by slug: for the server's operator (`kefu shop list`), never a request.
    pub async fn tenants(&self) -> Result<Vec<Tenant>> {
        dispatch!(self, tenants::tenants())
    }

    /// Whether the server has any shop or platform desk yet (the first run's check).
    pub async fn any_tenant(&self) -> Result<bool> {
        dispatch!(self, tenants::any_tenant())
    }

    pub async fn tenant(&self, id: Uuid) -> Result<Option<Tenant>> {
        dispatch!(self, tenants::tenant(id))
    }

    /// The secret a shop's site signs buyer identities with.
    pub async fn tenant_identity_secret(&self, id: Uuid) -> Result<Option<String>> {
        dispatch!(self, tenants::tenant_identity_secret(&self.vault, id))
    }

    pub async fn shop_settings(&self, tenant_id: Uuid) -> Result<ShopSettings> {
        dispatch!(self, tenants::shop_settings(tenant_id))
    }

    pub async fn set_shop_settings(
        &self,
        tenant_id: Uuid,
        settings: &ShopSettings,
        audit: impl FnOnce(&ShopSettings) -> Vec<NewAudit> + Send,
    ) -> Result<()> {
        dispatch!(self, tenants::set_shop_settings(tenant_id, settings, audit))
    }
}
