//! Permission groups (ACC-3), their grants, and what an account holds through them (SQL:
//! `sql/permission_groups.rs`).

use kefu_domain::guard::{Grant, PermissionGroup};
use kefu_domain::role::{Permission, Permissions};
use uuid::Uuid;

use crate::{NewAudit, Result, Store};

impl Store {
    pub async fn create_group(
        &self,
        tenant_id: Uuid,
        name: &str,
        description: &str,
        permissions: &[Permission],
        audit: impl FnOnce(&PermissionGroup) -> Vec<NewAudit> + Send,
    ) -> Result<PermissionGroup> {
        dispatch!(
            self,
            permission_groups::create_group(tenant_id, name, description, permissions, audit)
        )
    }

    pub async fn groups(&self, tenant_id: Uuid) -> Result<Vec<PermissionGroup>> {
        dispatch!(self, permission_groups::groups(tenant_id))
    }

    pub async fn grant_group(
        &self,
        tenant_id: Uuid,
        group_id: Uuid,
        user_ids: &[Uuid],
        granted_by: Uuid,
        expires_at: Option<i64>,
        audit: impl FnOnce(&u64) -> Vec<NewAudit> + Send,
    ) -> Result<u64> {
        dispatch!(
            self,
            permission_groups::grant_group(
                tenant_id, group_id, user_ids, granted_by, expires_at, audit
            )
        )
    }

    pub async fn revoke_group(
        &self,
        tenant_id: Uuid,
        group_id: Uuid,
        user_id: Uuid,
        audit: impl FnOnce(&bool) -> Vec<NewAudit> + Send,
    ) -> Result<bool> {
        dispatch!(
            self,
            permission_groups::revoke_group(tenant_id, group_id, user_id, audit)
        )
    }

    pub async fn grants(&self, tenant_id: Uuid) -> Result<Vec<Grant>> {
        dispatch!(self, permission_groups::grants(tenant_id))
    }

    pub async fn granted_permissions(&self, user_id: Uuid, now: i64) -> Result<Permissions> {
        dispatch!(self, permission_groups::granted_permissions(user_id, now))
    }
}
