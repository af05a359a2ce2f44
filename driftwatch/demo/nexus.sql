-- Nexus sample schema for driftwatch
-- =================================================================
-- A realistic multi-tenant (Supabase-style) schema of ~143 tables in `public`,
-- modelled on the Nexus database reference (organizations, CRM, conversations,
-- WhatsApp, orders, fulfillment, shipping, inventory, purchasing, calls/PBX,
-- analytics, automation, platform, integrations, AI, competition).
--
-- Tenancy model
--   * organizations is the tenancy root, scoped by its id.
--   * tenant tables carry organization_id uuid NOT NULL -> organizations(id),
--     with an index whose leading column is organization_id.
--   * child tables have no organization_id; they are scoped through a NOT NULL
--     foreign key to their parent with EXISTS-based policies
--     (order_item_adjustments -> order_items -> orders is a grandchild chain).
--   * platform_plans, platform_feature_flags, platform_settings and
--     platform_announcements are global (no organization_id, SELECT-only).
--   * every table has RLS enabled; the claim is
--     (select auth.jwt()) -> 'app_metadata' ->> 'organization_id'.
--
-- Loads into an empty database on plain PostgreSQL 13-18 (Supabase pieces are
-- stubbed only when absent) and into Supabase itself. Plain SQL only: no psql
-- meta-commands, so it can also be executed as one script by psycopg.
-- Deterministic: no data rows, no random values.
-- =================================================================

-- -----------------------------------------------------------------
-- Supabase compatibility stubs (created only when missing)
-- -----------------------------------------------------------------
create schema if not exists auth;
create schema if not exists extensions;

-- Roles are cluster-wide: create them only if another database (or Supabase)
-- has not already done so.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    begin
      create role anon nologin noinherit;
    exception when duplicate_object then null;
    end;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    begin
      create role authenticated nologin noinherit;
    exception when duplicate_object then null;
    end;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    begin
      if (select rolsuper from pg_roles where rolname = current_user) then
        create role service_role nologin noinherit bypassrls;
      else
        create role service_role nologin noinherit;
      end if;
    exception when duplicate_object then null;
    end;
  end if;
end
$$;

-- PostgREST's login role, as on Supabase: it switches to anon, authenticated
-- or service_role per request (NOINHERIT: it holds none of their privileges).
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'authenticator') then
    begin
      create role authenticator login noinherit;
    exception when duplicate_object then null;
    end;
  end if;
end
$$;
-- On a platform that manages these itself (Supabase), a refusal is left alone.
-- (Hosted Supabase also sets authenticator's pgrst.db_schemas to 'public,
-- storage, graphql_public'; a role setting is cluster-wide, so the sample
-- leaves it to the platform: driftwatch reads it when it is there.)
do $$
begin
  execute 'grant anon, authenticated, service_role to authenticator';
exception when insufficient_privilege then null;
end
$$;

-- Supabase's default privileges (supabase/postgres, initial schema): the API
-- roles may use public, and every table, sequence and function created in it
-- is granted ALL to anon, authenticated and service_role. Row level security,
-- not grants, is what keeps a tenant's rows from another tenant and from anon.
grant usage on schema public to anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
grant usage on schema extensions to anon, authenticated, service_role;

-- auth.jwt() / auth.uid(): defined only when absent, so a real Supabase's
-- functions are left alone.
do $$
begin
  if not exists (
    select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'auth' and p.proname = 'jwt' and p.pronargs = 0
  ) then
    execute $fn$
      create or replace function auth.jwt() returns jsonb
      language sql stable
      as $body$
        select coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb, '{}'::jsonb)
      $body$
    $fn$;
    execute 'grant usage on schema auth to anon, authenticated, service_role';
  end if;
  if not exists (
    select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'auth' and p.proname = 'uid' and p.pronargs = 0
  ) then
    execute $fn$
      create or replace function auth.uid() returns uuid
      language sql stable
      as $body$
        select nullif(auth.jwt() ->> 'sub', '')::uuid
      $body$
    $fn$;
  end if;
end
$$;

-- -----------------------------------------------------------------
-- Extensions (kept out of public, as on Supabase)
-- gen_random_uuid() is built in since PostgreSQL 13, so pgcrypto is not needed.
-- -----------------------------------------------------------------
create extension if not exists citext with schema extensions;
create extension if not exists btree_gist with schema extensions;

-- -----------------------------------------------------------------
-- Types, domain, sequence
-- -----------------------------------------------------------------
create type public.member_role as enum ('owner', 'admin', 'member', 'viewer');
create type public.order_status as enum
  ('pending', 'confirmed', 'processing', 'shipped', 'delivered', 'cancelled', 'returned');
create type public.call_direction as enum ('inbound', 'outbound', 'internal');
create type public.message_channel as enum
  ('whatsapp', 'facebook', 'instagram', 'email', 'sms', 'webchat', 'voice');
create type public.po_status as enum
  ('draft', 'pending_approval', 'approved', 'sent', 'partially_received', 'received', 'cancelled');
create type public.fulfillment_status as enum
  ('pending', 'picking', 'packed', 'shipped', 'delivered', 'cancelled', 'failed');
comment on type public.member_role is 'Role of a user inside an organization.';
comment on type public.order_status is 'Lifecycle of a sales order.';

create domain public.email_address as text
  constraint email_address_format check (value ~ '^[^@[:space:]]+@[^@[:space:]]+[.][^@[:space:]]+$');
comment on domain public.email_address is 'An e-mail address (loosely validated).';

create sequence public.invoice_number_seq as bigint start with 100001 increment by 1 no cycle;
comment on sequence public.invoice_number_seq is 'Invoice numbers, shared by all organizations.';

-- -----------------------------------------------------------------
-- Functions
-- -----------------------------------------------------------------
create function public.set_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;
comment on function public.set_updated_at() is 'Trigger function: stamps updated_at on every UPDATE.';

-- SECURITY DEFINER helper with a pinned, empty search_path; executable by
-- authenticated only (EXECUTE revoked from PUBLIC and anon below).
create function public.current_org_id() returns uuid
language sql stable
security definer
set search_path = ''
as $$
  select nullif((select auth.jwt()) -> 'app_metadata' ->> 'organization_id', '')::uuid
$$;
comment on function public.current_org_id() is 'Organization id of the caller, from the JWT app_metadata claim.';
revoke execute on function public.current_org_id() from public, anon;
grant execute on function public.current_org_id() to authenticated, service_role;

-- ============================================================================
-- Platform
-- ============================================================================

-- platform_plans (global)
create table public.platform_plans (
  id uuid primary key default gen_random_uuid(),
  code text not null unique,
  name text not null,
  monthly_price numeric(12,2) not null default 0 check (monthly_price >= 0),
  yearly_price numeric(12,2) check (yearly_price >= 0),
  limits jsonb not null default '{}'::jsonb,
  is_public boolean not null default true,
  sort_order integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.platform_plans is 'Global (not tenant-scoped): subscription plans offered to every organization.';
comment on column public.platform_plans.is_public is 'Public plans are readable by anonymous visitors (pricing page).';
create trigger platform_plans_set_updated_at before update on public.platform_plans
  for each row execute function public.set_updated_at();
alter table public.platform_plans enable row level security;
create policy platform_plans_select on public.platform_plans
  for select to authenticated
  using (true);
create policy platform_plans_select_anon on public.platform_plans
  for select to anon
  using (is_public);

-- platform_feature_flags (global)
create table public.platform_feature_flags (
  id uuid primary key default gen_random_uuid(),
  key text not null unique,
  description text,
  enabled boolean not null default false,
  rollout_percentage integer not null default 0 check (rollout_percentage between 0 and 100),
  conditions jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.platform_feature_flags is 'Global (not tenant-scoped): feature flags evaluated for all organizations.';
create trigger platform_feature_flags_set_updated_at before update on public.platform_feature_flags
  for each row execute function public.set_updated_at();
alter table public.platform_feature_flags enable row level security;
create policy platform_feature_flags_select on public.platform_feature_flags
  for select to authenticated
  using (true);

-- platform_settings (global)
create table public.platform_settings (
  id uuid primary key default gen_random_uuid(),
  key text not null unique,
  value jsonb not null default '{}'::jsonb,
  description text,
  is_secret boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.platform_settings is 'Global (not tenant-scoped): platform-wide configuration key/value pairs.';
create trigger platform_settings_set_updated_at before update on public.platform_settings
  for each row execute function public.set_updated_at();
alter table public.platform_settings enable row level security;
create policy platform_settings_select on public.platform_settings
  for select to authenticated
  using (true);

-- platform_announcements (global)
create table public.platform_announcements (
  id uuid primary key default gen_random_uuid(),
  title text not null,
  body text not null,
  severity text not null default 'info' check (severity in ('info', 'warning', 'critical')),
  starts_at timestamptz not null default now(),
  ends_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (ends_at is null or ends_at > starts_at)
);
comment on table public.platform_announcements is 'Global (not tenant-scoped): announcements shown to every user of the platform.';
create trigger platform_announcements_set_updated_at before update on public.platform_announcements
  for each row execute function public.set_updated_at();
alter table public.platform_announcements enable row level security;
create policy platform_announcements_select on public.platform_announcements
  for select to authenticated
  using (true);
create policy platform_announcements_select_anon on public.platform_announcements
  for select to anon
  using (starts_at <= now() and (ends_at is null or ends_at > now()));

-- ============================================================================
-- Organizations
-- ============================================================================

-- organizations (root)
create table public.organizations (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  slug text not null unique,
  plan_id uuid references public.platform_plans(id) on delete set null,
  status text not null default 'active' check (status in ('trial', 'active', 'suspended', 'closed')),
  billing_email public.email_address,
  country_code char(2),
  settings jsonb not null default '{}'::jsonb,
  trial_ends_at timestamptz,
  deleted_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index organizations_plan_id_idx on public.organizations (plan_id);
create index organizations_active_slug_idx on public.organizations (slug) where deleted_at is null;
comment on table public.organizations is 'Tenancy root: one row per customer organization; scoped by id.';
comment on column public.organizations.slug is 'URL-safe unique handle of the organization (used in subdomains).';
comment on column public.organizations.deleted_at is 'Soft-delete marker; NULL while the organization is live.';
create trigger organizations_set_updated_at before update on public.organizations
  for each row execute function public.set_updated_at();
alter table public.organizations enable row level security;
create policy organizations_select on public.organizations
  for select to authenticated
  using (id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy organizations_insert on public.organizations
  for insert to authenticated
  with check (id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy organizations_update on public.organizations
  for update to authenticated
  using (id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy organizations_delete on public.organizations
  for delete to authenticated
  using (id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid and ((select auth.jwt()) -> 'app_metadata' ->> 'org_role') in ('owner', 'admin'));

-- organization_members (tenant)
create table public.organization_members (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  user_id uuid not null,
  role public.member_role not null default 'member',
  invited_by uuid,
  joined_at timestamptz not null default now(),
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, user_id)
);
create index organization_members_user_id_idx on public.organization_members (user_id);
comment on table public.organization_members is 'Membership of users in organizations, with their role.';
comment on column public.organization_members.role is 'Role inside the organization; mirrored into the JWT claim app_metadata.org_role.';
create trigger organization_members_set_updated_at before update on public.organization_members
  for each row execute function public.set_updated_at();
alter table public.organization_members enable row level security;
create policy organization_members_select on public.organization_members
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy organization_members_insert on public.organization_members
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy organization_members_update on public.organization_members
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy organization_members_delete on public.organization_members
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid and ((select auth.jwt()) -> 'app_metadata' ->> 'org_role') in ('owner', 'admin'));

-- organization_settings (tenant)
create table public.organization_settings (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  timezone text not null default 'UTC',
  currency char(3) not null default 'USD',
  locale text not null default 'en',
  business_hours jsonb not null default '{}'::jsonb,
  branding jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id)
);
comment on table public.organization_settings is 'Per-organization preferences (one row per organization).';
create trigger organization_settings_set_updated_at before update on public.organization_settings
  for each row execute function public.set_updated_at();
alter table public.organization_settings enable row level security;
create policy organization_settings_select on public.organization_settings
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy organization_settings_insert on public.organization_settings
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy organization_settings_update on public.organization_settings
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy organization_settings_delete on public.organization_settings
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- organization_invitations (tenant)
create table public.organization_invitations (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  email public.email_address not null,
  role public.member_role not null default 'member',
  token text not null unique,
  invited_by uuid,
  expires_at timestamptz not null,
  accepted_at timestamptz,
  created_at timestamptz not null default now()
);
create unique index organization_invitations_pending_email_idx on public.organization_invitations (organization_id, lower(email)) where accepted_at is null;
comment on table public.organization_invitations is 'Pending and accepted invitations to join an organization.';
alter table public.organization_invitations enable row level security;
create policy organization_invitations_select on public.organization_invitations
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy organization_invitations_insert on public.organization_invitations
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy organization_invitations_update on public.organization_invitations
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy organization_invitations_delete on public.organization_invitations
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- organization_api_keys (tenant)
create table public.organization_api_keys (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  name text not null,
  key_prefix text not null,
  key_hash text not null unique,
  scopes text[] not null default '{}',
  last_used_at timestamptz,
  revoked_at timestamptz,
  created_by uuid,
  created_at timestamptz not null default now()
);
create index organization_api_keys_active_idx on public.organization_api_keys (organization_id) where revoked_at is null;
comment on table public.organization_api_keys is 'API keys issued to an organization (hashed).';
alter table public.organization_api_keys enable row level security;
create policy organization_api_keys_select on public.organization_api_keys
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy organization_api_keys_insert on public.organization_api_keys
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy organization_api_keys_update on public.organization_api_keys
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy organization_api_keys_delete on public.organization_api_keys
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid and ((select auth.jwt()) -> 'app_metadata' ->> 'org_role') in ('owner', 'admin'));

-- organization_domains (tenant)
create table public.organization_domains (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  domain extensions.citext not null unique,
  verification_token text not null,
  verified_at timestamptz,
  is_primary boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index organization_domains_organization_id_idx on public.organization_domains (organization_id);
comment on table public.organization_domains is 'Verified e-mail/web domains owned by an organization.';
create trigger organization_domains_set_updated_at before update on public.organization_domains
  for each row execute function public.set_updated_at();
alter table public.organization_domains enable row level security;
create policy organization_domains_select on public.organization_domains
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy organization_domains_insert on public.organization_domains
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy organization_domains_update on public.organization_domains
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy organization_domains_delete on public.organization_domains
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid and ((select auth.jwt()) -> 'app_metadata' ->> 'org_role') in ('owner', 'admin'));

-- ============================================================================
-- Customers / CRM
-- ============================================================================

-- customers (tenant)
create table public.customers (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  first_name text,
  last_name text,
  email public.email_address,
  phone text,
  company text,
  source text,
  lifetime_value numeric(12,2) not null default 0,
  total_orders integer not null default 0 check (total_orders >= 0),
  tags text[] not null default '{}',
  metadata jsonb not null default '{}'::jsonb,
  deleted_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index customers_email_lower_idx on public.customers (lower(email));
create index customers_active_idx on public.customers (organization_id, created_at desc) where deleted_at is null;
comment on table public.customers is 'Contacts/customers of an organization (CRM core).';
comment on column public.customers.deleted_at is 'Soft-delete marker; NULL for live customers.';
comment on column public.customers.lifetime_value is 'Sum of paid order totals, maintained by the billing job.';
create trigger customers_set_updated_at before update on public.customers
  for each row execute function public.set_updated_at();
alter table public.customers enable row level security;
create policy customers_select on public.customers
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy customers_insert on public.customers
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy customers_update on public.customers
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy customers_delete on public.customers
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid and ((select auth.jwt()) -> 'app_metadata' ->> 'org_role') in ('owner', 'admin'));

-- customer_addresses (child, scoped through customers.id via customer_id)
create table public.customer_addresses (
  id uuid primary key default gen_random_uuid(),
  customer_id uuid not null references public.customers(id) on delete cascade,
  label text,
  line1 text not null,
  line2 text,
  city text not null,
  state text,
  postal_code text,
  country_code char(2) not null,
  is_default boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index customer_addresses_customer_id_idx on public.customer_addresses (customer_id);
comment on table public.customer_addresses is 'Postal addresses of a customer; scoped through customers.';
create trigger customer_addresses_set_updated_at before update on public.customer_addresses
  for each row execute function public.set_updated_at();
alter table public.customer_addresses enable row level security;
create policy customer_addresses_select on public.customer_addresses
  for select to authenticated
  using (exists (select 1 from public.customers c where c.id = customer_addresses.customer_id and c.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy customer_addresses_insert on public.customer_addresses
  for insert to authenticated
  with check (exists (select 1 from public.customers c where c.id = customer_addresses.customer_id and c.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy customer_addresses_update on public.customer_addresses
  for update to authenticated
  using (exists (select 1 from public.customers c where c.id = customer_addresses.customer_id and c.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid))
  with check (exists (select 1 from public.customers c where c.id = customer_addresses.customer_id and c.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy customer_addresses_delete on public.customer_addresses
  for delete to authenticated
  using (exists (select 1 from public.customers c where c.id = customer_addresses.customer_id and c.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));

-- customer_notes (tenant)
create table public.customer_notes (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  customer_id uuid not null references public.customers(id) on delete cascade,
  author_id uuid,
  body text not null,
  is_pinned boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index customer_notes_organization_id_idx on public.customer_notes (organization_id);
create index customer_notes_customer_id_idx on public.customer_notes (customer_id);
comment on table public.customer_notes is 'Free-text notes agents keep about a customer.';
create trigger customer_notes_set_updated_at before update on public.customer_notes
  for each row execute function public.set_updated_at();
alter table public.customer_notes enable row level security;
create policy customer_notes_select on public.customer_notes
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy customer_notes_insert on public.customer_notes
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy customer_notes_update on public.customer_notes
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy customer_notes_delete on public.customer_notes
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- labels (tenant)
create table public.labels (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  name text not null,
  color text not null default '#888888' check (color ~ '^#[0-9a-fA-F]{6}$'),
  description text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, name)
);
comment on table public.labels is 'Colour-coded labels that can be attached to customers and chats.';
create trigger labels_set_updated_at before update on public.labels
  for each row execute function public.set_updated_at();
alter table public.labels enable row level security;
create policy labels_select on public.labels
  for select to authenticated
  using (((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid = organization_id);
create policy labels_insert on public.labels
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy labels_update on public.labels
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy labels_delete on public.labels
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- customer_labels (tenant)
create table public.customer_labels (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  customer_id uuid not null references public.customers(id) on delete cascade,
  label_id uuid not null references public.labels(id) on delete cascade,
  created_at timestamptz not null default now(),
  unique (customer_id, label_id)
);
create index customer_labels_organization_id_idx on public.customer_labels (organization_id);
create index customer_labels_label_id_idx on public.customer_labels (label_id);
comment on table public.customer_labels is 'Many-to-many link between customers and labels.';
alter table public.customer_labels enable row level security;
create policy customer_labels_select on public.customer_labels
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy customer_labels_insert on public.customer_labels
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy customer_labels_update on public.customer_labels
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy customer_labels_delete on public.customer_labels
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- customer_segments (tenant)
create table public.customer_segments (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  name text not null,
  description text,
  rules jsonb not null default '{}'::jsonb,
  is_dynamic boolean not null default true,
  customer_count integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index customer_segments_organization_id_idx on public.customer_segments (organization_id);
comment on table public.customer_segments is 'Saved customer segments (static or rule-based).';
create trigger customer_segments_set_updated_at before update on public.customer_segments
  for each row execute function public.set_updated_at();
alter table public.customer_segments enable row level security;
create policy customer_segments_select on public.customer_segments
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy customer_segments_insert on public.customer_segments
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy customer_segments_update on public.customer_segments
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy customer_segments_delete on public.customer_segments
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- customer_consents (tenant)
create table public.customer_consents (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  customer_id uuid not null references public.customers(id) on delete cascade,
  channel text not null check (channel in ('email', 'sms', 'whatsapp', 'phone')),
  granted boolean not null,
  granted_at timestamptz,
  source text,
  ip_address inet,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (customer_id, channel)
);
create index customer_consents_organization_id_idx on public.customer_consents (organization_id);
comment on table public.customer_consents is 'Marketing consent per customer and channel.';
create trigger customer_consents_set_updated_at before update on public.customer_consents
  for each row execute function public.set_updated_at();
alter table public.customer_consents enable row level security;
create policy customer_consents_select on public.customer_consents
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy customer_consents_insert on public.customer_consents
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy customer_consents_update on public.customer_consents
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy customer_consents_delete on public.customer_consents
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- customer_merge_log (tenant)
create table public.customer_merge_log (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  surviving_customer_id uuid not null references public.customers(id) on delete cascade,
  merged_customer_id uuid not null,
  merged_by uuid,
  snapshot jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
create index customer_merge_log_organization_id_idx on public.customer_merge_log (organization_id);
create index customer_merge_log_surviving_customer_id_idx on public.customer_merge_log (surviving_customer_id);
comment on table public.customer_merge_log is 'Audit trail of customer records merged into one another.';
alter table public.customer_merge_log enable row level security;
create policy customer_merge_log_select on public.customer_merge_log
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy customer_merge_log_insert on public.customer_merge_log
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy customer_merge_log_update on public.customer_merge_log
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy customer_merge_log_delete on public.customer_merge_log
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- customer_loyalty_points (tenant)
create table public.customer_loyalty_points (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  customer_id uuid not null references public.customers(id) on delete cascade,
  points integer not null,
  reason text not null,
  reference_id uuid,
  expires_at timestamptz,
  created_at timestamptz not null default now()
);
create index customer_loyalty_points_organization_id_idx on public.customer_loyalty_points (organization_id);
create index customer_loyalty_points_customer_id_idx on public.customer_loyalty_points (customer_id);
comment on table public.customer_loyalty_points is 'Loyalty points ledger per customer.';
alter table public.customer_loyalty_points enable row level security;
create policy customer_loyalty_points_select on public.customer_loyalty_points
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy customer_loyalty_points_insert on public.customer_loyalty_points
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy customer_loyalty_points_update on public.customer_loyalty_points
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy customer_loyalty_points_delete on public.customer_loyalty_points
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- lead_sources (tenant)
create table public.lead_sources (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  name text not null,
  channel text not null,
  cost_per_lead numeric(12,2),
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, name)
);
comment on table public.lead_sources is 'Where leads come from (ads, referrals, organic...).';
create trigger lead_sources_set_updated_at before update on public.lead_sources
  for each row execute function public.set_updated_at();
alter table public.lead_sources enable row level security;
create policy lead_sources_select on public.lead_sources
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy lead_sources_insert on public.lead_sources
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy lead_sources_update on public.lead_sources
  for update to authenticated
  using (((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid = organization_id)
  with check (((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid = organization_id);
create policy lead_sources_delete on public.lead_sources
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- lead_stages (tenant)
create table public.lead_stages (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  name text not null,
  position integer not null,
  probability integer not null default 0 check (probability between 0 and 100),
  is_won boolean not null default false,
  is_lost boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, position),
  check (not (is_won and is_lost))
);
comment on table public.lead_stages is 'Pipeline stages for leads.';
create trigger lead_stages_set_updated_at before update on public.lead_stages
  for each row execute function public.set_updated_at();
alter table public.lead_stages enable row level security;
create policy lead_stages_select on public.lead_stages
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy lead_stages_insert on public.lead_stages
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy lead_stages_update on public.lead_stages
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy lead_stages_delete on public.lead_stages
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- lead_activities (tenant)
create table public.lead_activities (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  customer_id uuid not null references public.customers(id) on delete cascade,
  stage_id uuid references public.lead_stages(id) on delete set null,
  source_id uuid references public.lead_sources(id) on delete set null,
  activity_type text not null,
  notes text,
  occurred_at timestamptz not null default now(),
  created_by uuid,
  created_at timestamptz not null default now()
);
create index lead_activities_organization_id_idx on public.lead_activities (organization_id);
create index lead_activities_customer_id_idx on public.lead_activities (customer_id);
create index lead_activities_stage_id_idx on public.lead_activities (stage_id);
create index lead_activities_source_id_idx on public.lead_activities (source_id);
comment on table public.lead_activities is 'Activities logged against a lead (calls, meetings, stage moves).';
alter table public.lead_activities enable row level security;
create policy lead_activities_select on public.lead_activities
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy lead_activities_insert on public.lead_activities
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy lead_activities_update on public.lead_activities
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy lead_activities_delete on public.lead_activities
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- lead_scores (tenant)
create table public.lead_scores (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  customer_id uuid not null references public.customers(id) on delete cascade,
  score integer not null check (score between 0 and 100),
  factors jsonb not null default '{}'::jsonb,
  computed_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  unique (organization_id, customer_id)
);
create index lead_scores_customer_id_idx on public.lead_scores (customer_id);
comment on table public.lead_scores is 'Computed lead score per customer.';
alter table public.lead_scores enable row level security;
create policy lead_scores_select on public.lead_scores
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy lead_scores_insert on public.lead_scores
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy lead_scores_update on public.lead_scores
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy lead_scores_delete on public.lead_scores
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- ============================================================================
-- Conversations
-- ============================================================================

-- chats (tenant)
create table public.chats (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  customer_id uuid references public.customers(id) on delete set null,
  channel public.message_channel not null,
  status text not null default 'open' check (status in ('open', 'pending', 'snoozed', 'closed')),
  assigned_to uuid,
  subject text,
  last_message_at timestamptz,
  unread_count integer not null default 0 check (unread_count >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index chats_customer_id_idx on public.chats (customer_id);
create index chats_last_message_idx on public.chats (organization_id, last_message_at desc);
create index chats_open_idx on public.chats (organization_id, assigned_to) where status <> 'closed';
comment on table public.chats is 'Omnichannel conversation threads with a customer.';
create trigger chats_set_updated_at before update on public.chats
  for each row execute function public.set_updated_at();
alter table public.chats enable row level security;
create policy chats_select on public.chats
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy chats_insert on public.chats
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy chats_update on public.chats
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy chats_delete on public.chats
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- messages (tenant)
create table public.messages (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  chat_id uuid not null references public.chats(id) on delete cascade,
  direction text not null check (direction in ('inbound', 'outbound')),
  sender_type text not null check (sender_type in ('customer', 'agent', 'bot', 'system')),
  sender_id uuid,
  body text,
  content_type text not null default 'text',
  external_id text,
  status text not null default 'sent',
  sent_at timestamptz,
  created_at timestamptz not null default now()
);
create index messages_chat_created_idx on public.messages (chat_id, created_at);
create index messages_external_id_idx on public.messages (organization_id, external_id) where external_id is not null;
comment on table public.messages is 'Individual messages within a chat.';
alter table public.messages enable row level security;
create policy messages_select on public.messages
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy messages_insert on public.messages
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy messages_update on public.messages
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy messages_delete on public.messages
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- message_attachments (child, scoped through messages.id via message_id)
create table public.message_attachments (
  id uuid primary key default gen_random_uuid(),
  message_id uuid not null references public.messages(id) on delete cascade,
  file_name text not null,
  mime_type text not null,
  size_bytes bigint not null check (size_bytes >= 0),
  storage_path text not null,
  created_at timestamptz not null default now()
);
create index message_attachments_message_id_idx on public.message_attachments (message_id);
comment on table public.message_attachments is 'Files attached to a message; scoped through messages.';
alter table public.message_attachments enable row level security;
create policy message_attachments_select on public.message_attachments
  for select to authenticated
  using (exists (select 1 from public.messages m where m.id = message_attachments.message_id and m.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy message_attachments_insert on public.message_attachments
  for insert to authenticated
  with check (exists (select 1 from public.messages m where m.id = message_attachments.message_id and m.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy message_attachments_update on public.message_attachments
  for update to authenticated
  using (exists (select 1 from public.messages m where m.id = message_attachments.message_id and m.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid))
  with check (exists (select 1 from public.messages m where m.id = message_attachments.message_id and m.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy message_attachments_delete on public.message_attachments
  for delete to authenticated
  using (exists (select 1 from public.messages m where m.id = message_attachments.message_id and m.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));

-- message_reactions (child, scoped through messages.id via message_id)
create table public.message_reactions (
  id uuid primary key default gen_random_uuid(),
  message_id uuid not null references public.messages(id) on delete cascade,
  user_id uuid not null,
  emoji text not null,
  created_at timestamptz not null default now(),
  unique (message_id, user_id, emoji)
);
comment on table public.message_reactions is 'Emoji reactions on a message; scoped through messages.';
alter table public.message_reactions enable row level security;
create policy message_reactions_select on public.message_reactions
  for select to authenticated
  using (exists (select 1 from public.messages m where m.id = message_reactions.message_id and m.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy message_reactions_insert on public.message_reactions
  for insert to authenticated
  with check (exists (select 1 from public.messages m where m.id = message_reactions.message_id and m.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy message_reactions_update on public.message_reactions
  for update to authenticated
  using (exists (select 1 from public.messages m where m.id = message_reactions.message_id and m.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid))
  with check (exists (select 1 from public.messages m where m.id = message_reactions.message_id and m.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy message_reactions_delete on public.message_reactions
  for delete to authenticated
  using (exists (select 1 from public.messages m where m.id = message_reactions.message_id and m.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));

-- message_templates (tenant)
create table public.message_templates (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  name text not null,
  channel public.message_channel not null,
  body text not null,
  variables text[] not null default '{}',
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, name, channel)
);
comment on table public.message_templates is 'Reusable canned replies.';
create trigger message_templates_set_updated_at before update on public.message_templates
  for each row execute function public.set_updated_at();
alter table public.message_templates enable row level security;
create policy message_templates_select on public.message_templates
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy message_templates_insert on public.message_templates
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy message_templates_update on public.message_templates
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy message_templates_delete on public.message_templates
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- message_drafts (tenant)
create table public.message_drafts (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  chat_id uuid not null references public.chats(id) on delete cascade,
  author_id uuid not null,
  body text not null default '',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (chat_id, author_id)
);
create index message_drafts_organization_id_idx on public.message_drafts (organization_id);
comment on table public.message_drafts is 'Unsent drafts an agent is composing in a chat.';
create trigger message_drafts_set_updated_at before update on public.message_drafts
  for each row execute function public.set_updated_at();
alter table public.message_drafts enable row level security;
create policy message_drafts_select on public.message_drafts
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy message_drafts_insert on public.message_drafts
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy message_drafts_update on public.message_drafts
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy message_drafts_delete on public.message_drafts
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- chat_assignments (tenant)
create table public.chat_assignments (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  chat_id uuid not null references public.chats(id) on delete cascade,
  assignee_id uuid not null,
  assigned_by uuid,
  assigned_at timestamptz not null default now(),
  unassigned_at timestamptz,
  created_at timestamptz not null default now()
);
create index chat_assignments_organization_id_idx on public.chat_assignments (organization_id);
create index chat_assignments_chat_id_idx on public.chat_assignments (chat_id);
comment on table public.chat_assignments is 'History of chat assignments to agents.';
alter table public.chat_assignments enable row level security;
create policy chat_assignments_select on public.chat_assignments
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy chat_assignments_insert on public.chat_assignments
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy chat_assignments_update on public.chat_assignments
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy chat_assignments_delete on public.chat_assignments
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- chat_labels (tenant)
create table public.chat_labels (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  chat_id uuid not null references public.chats(id) on delete cascade,
  label_id uuid not null references public.labels(id) on delete cascade,
  created_at timestamptz not null default now(),
  unique (chat_id, label_id)
);
create index chat_labels_organization_id_idx on public.chat_labels (organization_id);
create index chat_labels_label_id_idx on public.chat_labels (label_id);
comment on table public.chat_labels is 'Labels applied to chats (many-to-many).';
alter table public.chat_labels enable row level security;
create policy chat_labels_select on public.chat_labels
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy chat_labels_insert on public.chat_labels
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy chat_labels_update on public.chat_labels
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy chat_labels_delete on public.chat_labels
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- message_events (tenant, partitioned by range on created_at: 3 monthly partitions + default)
create table public.message_events (
  id uuid not null default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  message_id uuid not null references public.messages(id) on delete cascade,
  event_type text not null check (event_type in ('queued', 'sent', 'delivered', 'read', 'failed', 'deleted')),
  payload jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  primary key (id, created_at)
) partition by range (created_at);
create index message_events_organization_id_created_at_idx on public.message_events (organization_id, created_at desc);
create index message_events_message_id_idx on public.message_events (message_id);
comment on table public.message_events is 'Delivery/read events of messages; partitioned monthly by created_at.';
comment on column public.message_events.created_at is 'Partition key (monthly range partitions).';
create table public.message_events_2025_01 partition of public.message_events
  for values from ('2025-01-01 00:00:00+00') to ('2025-02-01 00:00:00+00');
create table public.message_events_2025_02 partition of public.message_events
  for values from ('2025-02-01 00:00:00+00') to ('2025-03-01 00:00:00+00');
create table public.message_events_2025_03 partition of public.message_events
  for values from ('2025-03-01 00:00:00+00') to ('2025-04-01 00:00:00+00');
create table public.message_events_default partition of public.message_events default;
comment on table public.message_events_2025_01 is 'Partition of message_events for 2025-01; accessed through the parent.';
comment on table public.message_events_2025_02 is 'Partition of message_events for 2025-02; accessed through the parent.';
comment on table public.message_events_2025_03 is 'Partition of message_events for 2025-03; accessed through the parent.';
comment on table public.message_events_default is 'Default partition of message_events (rows outside the monthly ranges).';
alter table public.message_events enable row level security;
alter table public.message_events_2025_01 enable row level security;
alter table public.message_events_2025_02 enable row level security;
alter table public.message_events_2025_03 enable row level security;
alter table public.message_events_default enable row level security;
create policy message_events_select on public.message_events
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy message_events_insert on public.message_events
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy message_events_update on public.message_events
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy message_events_delete on public.message_events
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- ============================================================================
-- WhatsApp
-- ============================================================================

-- whatsapp_accounts (tenant)
create table public.whatsapp_accounts (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  business_account_id text not null,
  display_name text not null,
  access_token_encrypted text,
  webhook_verify_token text,
  status text not null default 'pending' check (status in ('pending', 'connected', 'disconnected', 'banned')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, business_account_id)
);
comment on table public.whatsapp_accounts is 'WhatsApp Business accounts connected by an organization.';
create trigger whatsapp_accounts_set_updated_at before update on public.whatsapp_accounts
  for each row execute function public.set_updated_at();
alter table public.whatsapp_accounts enable row level security;
create policy whatsapp_accounts_select on public.whatsapp_accounts
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy whatsapp_accounts_insert on public.whatsapp_accounts
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy whatsapp_accounts_update on public.whatsapp_accounts
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy whatsapp_accounts_delete on public.whatsapp_accounts
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid and ((select auth.jwt()) -> 'app_metadata' ->> 'org_role') in ('owner', 'admin'));

-- whatsapp_phone_numbers (tenant)
create table public.whatsapp_phone_numbers (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  account_id uuid not null references public.whatsapp_accounts(id) on delete cascade,
  phone_number text not null,
  phone_number_id text not null unique,
  quality_rating text,
  messaging_limit text,
  is_default boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index whatsapp_phone_numbers_organization_id_idx on public.whatsapp_phone_numbers (organization_id);
create index whatsapp_phone_numbers_account_id_idx on public.whatsapp_phone_numbers (account_id);
comment on table public.whatsapp_phone_numbers is 'Phone numbers registered under a WhatsApp account.';
create trigger whatsapp_phone_numbers_set_updated_at before update on public.whatsapp_phone_numbers
  for each row execute function public.set_updated_at();
alter table public.whatsapp_phone_numbers enable row level security;
create policy whatsapp_phone_numbers_select on public.whatsapp_phone_numbers
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy whatsapp_phone_numbers_insert on public.whatsapp_phone_numbers
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy whatsapp_phone_numbers_update on public.whatsapp_phone_numbers
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy whatsapp_phone_numbers_delete on public.whatsapp_phone_numbers
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- whatsapp_templates (tenant)
create table public.whatsapp_templates (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  account_id uuid not null references public.whatsapp_accounts(id) on delete cascade,
  name text not null,
  language text not null default 'en',
  category text not null check (category in ('marketing', 'utility', 'authentication')),
  status text not null default 'pending',
  components jsonb not null default '[]'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (account_id, name, language)
);
create index whatsapp_templates_organization_id_idx on public.whatsapp_templates (organization_id);
comment on table public.whatsapp_templates is 'WhatsApp message templates and their approval status.';
create trigger whatsapp_templates_set_updated_at before update on public.whatsapp_templates
  for each row execute function public.set_updated_at();
alter table public.whatsapp_templates enable row level security;
create policy whatsapp_templates_select on public.whatsapp_templates
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy whatsapp_templates_insert on public.whatsapp_templates
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy whatsapp_templates_update on public.whatsapp_templates
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy whatsapp_templates_delete on public.whatsapp_templates
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- whatsapp_webhook_events (tenant)
create table public.whatsapp_webhook_events (
  id bigint generated always as identity primary key,
  organization_id uuid not null references public.organizations(id) on delete cascade,
  account_id uuid references public.whatsapp_accounts(id) on delete set null,
  event_type text not null,
  payload jsonb not null,
  processed_at timestamptz,
  received_at timestamptz not null default now()
);
create index whatsapp_webhook_events_account_id_idx on public.whatsapp_webhook_events (account_id);
create index whatsapp_webhook_events_unprocessed_idx on public.whatsapp_webhook_events (organization_id, received_at) where processed_at is null;
comment on table public.whatsapp_webhook_events is 'Raw inbound webhook events from the WhatsApp Cloud API.';
alter table public.whatsapp_webhook_events enable row level security;
create policy whatsapp_webhook_events_select on public.whatsapp_webhook_events
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy whatsapp_webhook_events_insert on public.whatsapp_webhook_events
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy whatsapp_webhook_events_update on public.whatsapp_webhook_events
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy whatsapp_webhook_events_delete on public.whatsapp_webhook_events
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- whatsapp_opt_ins (tenant)
create table public.whatsapp_opt_ins (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  customer_id uuid references public.customers(id) on delete set null,
  phone_number text not null,
  opted_in boolean not null,
  source text,
  changed_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  unique (organization_id, phone_number)
);
create index whatsapp_opt_ins_customer_id_idx on public.whatsapp_opt_ins (customer_id);
comment on table public.whatsapp_opt_ins is 'WhatsApp opt-in/opt-out state per customer phone number.';
alter table public.whatsapp_opt_ins enable row level security;
create policy whatsapp_opt_ins_select on public.whatsapp_opt_ins
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy whatsapp_opt_ins_insert on public.whatsapp_opt_ins
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy whatsapp_opt_ins_update on public.whatsapp_opt_ins
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy whatsapp_opt_ins_delete on public.whatsapp_opt_ins
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- ============================================================================
-- Inventory
-- ============================================================================

-- warehouses (tenant)
create table public.warehouses (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  name text not null,
  code text not null,
  address jsonb not null default '{}'::jsonb,
  timezone text not null default 'UTC',
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, code)
);
comment on table public.warehouses is 'Physical warehouses/stores holding stock.';
create trigger warehouses_set_updated_at before update on public.warehouses
  for each row execute function public.set_updated_at();
alter table public.warehouses enable row level security;
create policy warehouses_select on public.warehouses
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy warehouses_insert on public.warehouses
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy warehouses_update on public.warehouses
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy warehouses_delete on public.warehouses
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid and ((select auth.jwt()) -> 'app_metadata' ->> 'org_role') in ('owner', 'admin'));

-- warehouse_zones (tenant)
create table public.warehouse_zones (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  warehouse_id uuid not null references public.warehouses(id) on delete cascade,
  name text not null,
  zone_type text not null default 'ambient' check (zone_type in ('ambient', 'cold', 'frozen', 'returns', 'quarantine')),
  temperature_controlled boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (warehouse_id, name)
);
create index warehouse_zones_organization_id_idx on public.warehouse_zones (organization_id);
comment on table public.warehouse_zones is 'Zones inside a warehouse (ambient, cold, returns...).';
create trigger warehouse_zones_set_updated_at before update on public.warehouse_zones
  for each row execute function public.set_updated_at();
alter table public.warehouse_zones enable row level security;
create policy warehouse_zones_select on public.warehouse_zones
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy warehouse_zones_insert on public.warehouse_zones
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy warehouse_zones_update on public.warehouse_zones
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy warehouse_zones_delete on public.warehouse_zones
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- warehouse_locations (tenant)
create table public.warehouse_locations (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  warehouse_id uuid not null references public.warehouses(id) on delete cascade,
  zone_id uuid references public.warehouse_zones(id) on delete set null,
  code text not null,
  aisle text,
  rack text,
  bin text,
  capacity integer check (capacity > 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (warehouse_id, code)
);
create index warehouse_locations_organization_id_idx on public.warehouse_locations (organization_id);
create index warehouse_locations_zone_id_idx on public.warehouse_locations (zone_id);
comment on table public.warehouse_locations is 'Bin locations (aisle/rack/bin) inside a warehouse.';
create trigger warehouse_locations_set_updated_at before update on public.warehouse_locations
  for each row execute function public.set_updated_at();
alter table public.warehouse_locations enable row level security;
create policy warehouse_locations_select on public.warehouse_locations
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy warehouse_locations_insert on public.warehouse_locations
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy warehouse_locations_update on public.warehouse_locations
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy warehouse_locations_delete on public.warehouse_locations
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- warehouse_slot_bookings (tenant)
create table public.warehouse_slot_bookings (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  warehouse_id uuid not null references public.warehouses(id) on delete cascade,
  dock text not null,
  purpose text not null check (purpose in ('inbound', 'outbound', 'returns')),
  during tstzrange not null,
  booked_by uuid,
  notes text,
  created_at timestamptz not null default now(),
  constraint warehouse_slot_bookings_no_overlap exclude using gist (warehouse_id with =, dock with =, during with &&)
);
create index warehouse_slot_bookings_organization_id_idx on public.warehouse_slot_bookings (organization_id);
create index warehouse_slot_bookings_warehouse_id_idx on public.warehouse_slot_bookings (warehouse_id);
comment on table public.warehouse_slot_bookings is 'Dock slot bookings; overlapping bookings of one dock are excluded.';
comment on column public.warehouse_slot_bookings.during is 'Booked time range; overlapping ranges on one dock are rejected by an exclusion constraint.';
alter table public.warehouse_slot_bookings enable row level security;
create policy warehouse_slot_bookings_select on public.warehouse_slot_bookings
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy warehouse_slot_bookings_insert on public.warehouse_slot_bookings
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy warehouse_slot_bookings_update on public.warehouse_slot_bookings
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy warehouse_slot_bookings_delete on public.warehouse_slot_bookings
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- inventory_items (tenant)
create table public.inventory_items (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  sku text not null,
  name text not null,
  barcode text,
  unit_cost numeric(12,2) check (unit_cost >= 0),
  weight_grams integer check (weight_grams >= 0),
  is_active boolean not null default true,
  deleted_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, sku)
);
create index inventory_items_active_name_idx on public.inventory_items (organization_id, name) where deleted_at is null;
create index inventory_items_barcode_upper_idx on public.inventory_items (upper(barcode)) where barcode is not null;
comment on table public.inventory_items is 'Stock-keeping units (SKUs) of an organization.';
create trigger inventory_items_set_updated_at before update on public.inventory_items
  for each row execute function public.set_updated_at();
alter table public.inventory_items enable row level security;
create policy inventory_items_select on public.inventory_items
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_items_insert on public.inventory_items
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_items_update on public.inventory_items
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_items_delete on public.inventory_items
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- inventory_levels (tenant)
create table public.inventory_levels (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  inventory_item_id uuid not null references public.inventory_items(id) on delete cascade,
  warehouse_id uuid not null references public.warehouses(id) on delete cascade,
  on_hand integer not null default 0,
  reserved integer not null default 0 check (reserved >= 0),
  available integer generated always as (on_hand - reserved) stored,
  reorder_point integer,
  updated_at timestamptz not null default now(),
  unique (inventory_item_id, warehouse_id)
);
create index inventory_levels_organization_id_idx on public.inventory_levels (organization_id);
create index inventory_levels_warehouse_id_idx on public.inventory_levels (warehouse_id);
comment on table public.inventory_levels is 'On-hand and reserved quantity per item and warehouse.';
comment on column public.inventory_levels.available is 'Generated: on_hand - reserved.';
create trigger inventory_levels_set_updated_at before update on public.inventory_levels
  for each row execute function public.set_updated_at();
alter table public.inventory_levels enable row level security;
create policy inventory_levels_select on public.inventory_levels
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_levels_insert on public.inventory_levels
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_levels_update on public.inventory_levels
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_levels_delete on public.inventory_levels
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- inventory_movements (tenant)
create table public.inventory_movements (
  id bigint generated always as identity primary key,
  organization_id uuid not null references public.organizations(id) on delete cascade,
  inventory_item_id uuid not null references public.inventory_items(id) on delete cascade,
  warehouse_id uuid not null references public.warehouses(id) on delete cascade,
  movement_type text not null check (movement_type in ('receipt', 'shipment', 'adjustment', 'transfer_in', 'transfer_out', 'return')),
  quantity integer not null check (quantity <> 0),
  reference_type text,
  reference_id uuid,
  created_by uuid,
  created_at timestamptz not null default now()
);
create index inventory_movements_inventory_item_id_idx on public.inventory_movements (inventory_item_id);
create index inventory_movements_warehouse_id_idx on public.inventory_movements (warehouse_id);
create index inventory_movements_item_created_idx on public.inventory_movements (organization_id, inventory_item_id, created_at desc);
comment on table public.inventory_movements is 'Append-only ledger of stock movements.';
alter table public.inventory_movements enable row level security;
create policy inventory_movements_select on public.inventory_movements
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_movements_insert on public.inventory_movements
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_movements_update on public.inventory_movements
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_movements_delete on public.inventory_movements
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- inventory_adjustments (tenant)
create table public.inventory_adjustments (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  inventory_item_id uuid not null references public.inventory_items(id) on delete cascade,
  warehouse_id uuid not null references public.warehouses(id) on delete cascade,
  quantity_delta integer not null check (quantity_delta <> 0),
  reason text not null,
  approved_by uuid,
  created_at timestamptz not null default now()
);
create index inventory_adjustments_organization_id_idx on public.inventory_adjustments (organization_id);
create index inventory_adjustments_inventory_item_id_idx on public.inventory_adjustments (inventory_item_id);
create index inventory_adjustments_warehouse_id_idx on public.inventory_adjustments (warehouse_id);
comment on table public.inventory_adjustments is 'Manual stock adjustments with a reason and approver.';
alter table public.inventory_adjustments enable row level security;
create policy inventory_adjustments_select on public.inventory_adjustments
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_adjustments_insert on public.inventory_adjustments
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_adjustments_update on public.inventory_adjustments
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_adjustments_delete on public.inventory_adjustments
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- inventory_batches (tenant)
create table public.inventory_batches (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  inventory_item_id uuid not null references public.inventory_items(id) on delete cascade,
  batch_number text not null,
  expires_on date,
  quantity integer not null default 0 check (quantity >= 0),
  received_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (inventory_item_id, batch_number)
);
create index inventory_batches_organization_id_idx on public.inventory_batches (organization_id);
comment on table public.inventory_batches is 'Lots/batches with expiry dates.';
create trigger inventory_batches_set_updated_at before update on public.inventory_batches
  for each row execute function public.set_updated_at();
alter table public.inventory_batches enable row level security;
create policy inventory_batches_select on public.inventory_batches
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_batches_insert on public.inventory_batches
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_batches_update on public.inventory_batches
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_batches_delete on public.inventory_batches
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- inventory_counts (tenant)
create table public.inventory_counts (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  warehouse_id uuid not null references public.warehouses(id) on delete cascade,
  status text not null default 'scheduled' check (status in ('scheduled', 'in_progress', 'completed', 'cancelled')),
  scheduled_for date not null,
  started_at timestamptz,
  completed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index inventory_counts_organization_id_idx on public.inventory_counts (organization_id);
create index inventory_counts_warehouse_id_idx on public.inventory_counts (warehouse_id);
comment on table public.inventory_counts is 'Cycle counts / stocktakes of a warehouse.';
create trigger inventory_counts_set_updated_at before update on public.inventory_counts
  for each row execute function public.set_updated_at();
alter table public.inventory_counts enable row level security;
create policy inventory_counts_select on public.inventory_counts
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_counts_insert on public.inventory_counts
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_counts_update on public.inventory_counts
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_counts_delete on public.inventory_counts
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- inventory_count_lines (child, scoped through inventory_counts.id via inventory_count_id)
create table public.inventory_count_lines (
  id uuid primary key default gen_random_uuid(),
  inventory_count_id uuid not null references public.inventory_counts(id) on delete cascade,
  inventory_item_id uuid not null references public.inventory_items(id) on delete cascade,
  location_id uuid references public.warehouse_locations(id) on delete set null,
  expected_quantity integer not null default 0,
  counted_quantity integer,
  variance integer generated always as (counted_quantity - expected_quantity) stored,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (inventory_count_id, inventory_item_id, location_id)
);
create index inventory_count_lines_inventory_item_id_idx on public.inventory_count_lines (inventory_item_id);
create index inventory_count_lines_location_id_idx on public.inventory_count_lines (location_id);
comment on table public.inventory_count_lines is 'Counted quantity per item within a count; scoped through inventory_counts.';
create trigger inventory_count_lines_set_updated_at before update on public.inventory_count_lines
  for each row execute function public.set_updated_at();
alter table public.inventory_count_lines enable row level security;
create policy inventory_count_lines_select on public.inventory_count_lines
  for select to authenticated
  using (exists (select 1 from public.inventory_counts ic where ic.id = inventory_count_lines.inventory_count_id and ic.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy inventory_count_lines_insert on public.inventory_count_lines
  for insert to authenticated
  with check (exists (select 1 from public.inventory_counts ic where ic.id = inventory_count_lines.inventory_count_id and ic.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy inventory_count_lines_update on public.inventory_count_lines
  for update to authenticated
  using (exists (select 1 from public.inventory_counts ic where ic.id = inventory_count_lines.inventory_count_id and ic.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid))
  with check (exists (select 1 from public.inventory_counts ic where ic.id = inventory_count_lines.inventory_count_id and ic.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy inventory_count_lines_delete on public.inventory_count_lines
  for delete to authenticated
  using (exists (select 1 from public.inventory_counts ic where ic.id = inventory_count_lines.inventory_count_id and ic.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));

-- inventory_transfers (tenant)
create table public.inventory_transfers (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  from_warehouse_id uuid not null references public.warehouses(id) on delete cascade,
  to_warehouse_id uuid not null references public.warehouses(id) on delete cascade,
  status text not null default 'draft' check (status in ('draft', 'in_transit', 'received', 'cancelled')),
  shipped_at timestamptz,
  received_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (from_warehouse_id <> to_warehouse_id)
);
create index inventory_transfers_organization_id_idx on public.inventory_transfers (organization_id);
create index inventory_transfers_from_warehouse_id_idx on public.inventory_transfers (from_warehouse_id);
create index inventory_transfers_to_warehouse_id_idx on public.inventory_transfers (to_warehouse_id);
comment on table public.inventory_transfers is 'Stock transfers between two warehouses.';
create trigger inventory_transfers_set_updated_at before update on public.inventory_transfers
  for each row execute function public.set_updated_at();
alter table public.inventory_transfers enable row level security;
create policy inventory_transfers_select on public.inventory_transfers
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_transfers_insert on public.inventory_transfers
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_transfers_update on public.inventory_transfers
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_transfers_delete on public.inventory_transfers
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- ============================================================================
-- Purchase Orders
-- ============================================================================

-- suppliers (tenant)
create table public.suppliers (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  name text not null,
  email public.email_address,
  phone text,
  currency char(3) not null default 'USD',
  payment_terms_days integer not null default 30 check (payment_terms_days >= 0),
  rating numeric(3,2) check (rating between 0 and 5),
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, name)
);
comment on table public.suppliers is 'Suppliers of goods.';
create trigger suppliers_set_updated_at before update on public.suppliers
  for each row execute function public.set_updated_at();
alter table public.suppliers enable row level security;
create policy suppliers_select on public.suppliers
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy suppliers_insert on public.suppliers
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy suppliers_update on public.suppliers
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy suppliers_delete on public.suppliers
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- supplier_contacts (tenant)
create table public.supplier_contacts (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  supplier_id uuid not null references public.suppliers(id) on delete cascade,
  name text not null,
  email public.email_address,
  phone text,
  role text,
  is_primary boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index supplier_contacts_organization_id_idx on public.supplier_contacts (organization_id);
create index supplier_contacts_supplier_id_idx on public.supplier_contacts (supplier_id);
comment on table public.supplier_contacts is 'People to contact at a supplier.';
create trigger supplier_contacts_set_updated_at before update on public.supplier_contacts
  for each row execute function public.set_updated_at();
alter table public.supplier_contacts enable row level security;
create policy supplier_contacts_select on public.supplier_contacts
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy supplier_contacts_insert on public.supplier_contacts
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy supplier_contacts_update on public.supplier_contacts
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy supplier_contacts_delete on public.supplier_contacts
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- vendors (tenant)
create table public.vendors (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  name text not null,
  service_type text not null,
  contact_email public.email_address,
  tax_id text,
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index vendors_organization_id_idx on public.vendors (organization_id);
comment on table public.vendors is 'Service vendors (couriers, agencies, SaaS) that invoice the organization.';
create trigger vendors_set_updated_at before update on public.vendors
  for each row execute function public.set_updated_at();
alter table public.vendors enable row level security;
create policy vendors_select on public.vendors
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy vendors_insert on public.vendors
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy vendors_update on public.vendors
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy vendors_delete on public.vendors
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- vendor_payments (tenant)
create table public.vendor_payments (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  vendor_id uuid not null references public.vendors(id) on delete cascade,
  amount numeric(12,2) not null check (amount > 0),
  currency char(3) not null default 'USD',
  method text,
  reference text,
  paid_at timestamptz not null default now(),
  created_at timestamptz not null default now()
);
create index vendor_payments_organization_id_idx on public.vendor_payments (organization_id);
create index vendor_payments_vendor_id_idx on public.vendor_payments (vendor_id);
comment on table public.vendor_payments is 'Payments made to vendors.';
alter table public.vendor_payments enable row level security;
create policy vendor_payments_select on public.vendor_payments
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy vendor_payments_insert on public.vendor_payments
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy vendor_payments_update on public.vendor_payments
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy vendor_payments_delete on public.vendor_payments
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- purchase_orders (tenant)
create table public.purchase_orders (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  supplier_id uuid not null references public.suppliers(id) on delete restrict,
  warehouse_id uuid not null references public.warehouses(id) on delete restrict,
  po_number text not null,
  status public.po_status not null default 'draft',
  currency char(3) not null default 'USD',
  total numeric(12,2) not null default 0 check (total >= 0),
  expected_at date,
  approved_at timestamptz,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, po_number)
);
create index purchase_orders_supplier_id_idx on public.purchase_orders (supplier_id);
create index purchase_orders_warehouse_id_idx on public.purchase_orders (warehouse_id);
create index purchase_orders_open_idx on public.purchase_orders (organization_id, expected_at) where status in ('approved', 'sent', 'partially_received');
comment on table public.purchase_orders is 'Purchase orders raised to suppliers.';
create trigger purchase_orders_set_updated_at before update on public.purchase_orders
  for each row execute function public.set_updated_at();
alter table public.purchase_orders enable row level security;
create policy purchase_orders_select on public.purchase_orders
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy purchase_orders_insert on public.purchase_orders
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy purchase_orders_update on public.purchase_orders
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy purchase_orders_delete on public.purchase_orders
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid and ((select auth.jwt()) -> 'app_metadata' ->> 'org_role') in ('owner', 'admin'));

-- po_line_items (child, scoped through purchase_orders.id via purchase_order_id)
create table public.po_line_items (
  id uuid primary key default gen_random_uuid(),
  purchase_order_id uuid not null references public.purchase_orders(id) on delete cascade,
  inventory_item_id uuid not null references public.inventory_items(id) on delete restrict,
  quantity_ordered integer not null check (quantity_ordered > 0),
  quantity_received integer not null default 0 check (quantity_received >= 0),
  unit_cost numeric(12,2) not null check (unit_cost >= 0),
  line_total numeric(12,2) generated always as (quantity_ordered * unit_cost) stored,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index po_line_items_purchase_order_id_idx on public.po_line_items (purchase_order_id);
create index po_line_items_inventory_item_id_idx on public.po_line_items (inventory_item_id);
comment on table public.po_line_items is 'Lines of a purchase order; scoped through purchase_orders.';
create trigger po_line_items_set_updated_at before update on public.po_line_items
  for each row execute function public.set_updated_at();
alter table public.po_line_items enable row level security;
create policy po_line_items_select on public.po_line_items
  for select to authenticated
  using (exists (select 1 from public.purchase_orders po where po.id = po_line_items.purchase_order_id and po.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy po_line_items_insert on public.po_line_items
  for insert to authenticated
  with check (exists (select 1 from public.purchase_orders po where po.id = po_line_items.purchase_order_id and po.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy po_line_items_update on public.po_line_items
  for update to authenticated
  using (exists (select 1 from public.purchase_orders po where po.id = po_line_items.purchase_order_id and po.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid))
  with check (exists (select 1 from public.purchase_orders po where po.id = po_line_items.purchase_order_id and po.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy po_line_items_delete on public.po_line_items
  for delete to authenticated
  using (exists (select 1 from public.purchase_orders po where po.id = po_line_items.purchase_order_id and po.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));

-- po_receipts (tenant)
create table public.po_receipts (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  purchase_order_id uuid not null references public.purchase_orders(id) on delete cascade,
  warehouse_id uuid not null references public.warehouses(id) on delete restrict,
  received_by uuid,
  received_at timestamptz not null default now(),
  notes text,
  created_at timestamptz not null default now()
);
create index po_receipts_organization_id_idx on public.po_receipts (organization_id);
create index po_receipts_purchase_order_id_idx on public.po_receipts (purchase_order_id);
create index po_receipts_warehouse_id_idx on public.po_receipts (warehouse_id);
comment on table public.po_receipts is 'Goods receipts against a purchase order.';
alter table public.po_receipts enable row level security;
create policy po_receipts_select on public.po_receipts
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy po_receipts_insert on public.po_receipts
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy po_receipts_update on public.po_receipts
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy po_receipts_delete on public.po_receipts
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- po_receipt_lines (tenant)
create table public.po_receipt_lines (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  po_receipt_id uuid not null references public.po_receipts(id) on delete cascade,
  po_line_item_id uuid not null references public.po_line_items(id) on delete cascade,
  quantity_received integer not null check (quantity_received > 0),
  condition text not null default 'good' check (condition in ('good', 'damaged', 'rejected')),
  created_at timestamptz not null default now()
);
create index po_receipt_lines_organization_id_idx on public.po_receipt_lines (organization_id);
create index po_receipt_lines_po_receipt_id_idx on public.po_receipt_lines (po_receipt_id);
create index po_receipt_lines_po_line_item_id_idx on public.po_receipt_lines (po_line_item_id);
comment on table public.po_receipt_lines is 'Quantities received per purchase-order line.';
alter table public.po_receipt_lines enable row level security;
create policy po_receipt_lines_select on public.po_receipt_lines
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy po_receipt_lines_insert on public.po_receipt_lines
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy po_receipt_lines_update on public.po_receipt_lines
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy po_receipt_lines_delete on public.po_receipt_lines
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- po_approvals (tenant)
create table public.po_approvals (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  purchase_order_id uuid not null references public.purchase_orders(id) on delete cascade,
  approver_id uuid not null,
  decision text not null check (decision in ('approved', 'rejected')),
  comment text,
  decided_at timestamptz not null default now(),
  created_at timestamptz not null default now()
);
create index po_approvals_organization_id_idx on public.po_approvals (organization_id);
create index po_approvals_purchase_order_id_idx on public.po_approvals (purchase_order_id);
comment on table public.po_approvals is 'Approval decisions on purchase orders.';
alter table public.po_approvals enable row level security;
create policy po_approvals_select on public.po_approvals
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy po_approvals_insert on public.po_approvals
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy po_approvals_update on public.po_approvals
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy po_approvals_delete on public.po_approvals
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- ============================================================================
-- Orders
-- ============================================================================

-- orders (tenant)
create table public.orders (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  customer_id uuid references public.customers(id) on delete set null,
  order_number text not null,
  status public.order_status not null default 'pending',
  currency char(3) not null default 'USD',
  subtotal numeric(12,2) not null default 0,
  discount_total numeric(12,2) not null default 0,
  shipping_total numeric(12,2) not null default 0,
  tax_total numeric(12,2) not null default 0,
  grand_total numeric(12,2) not null default 0 check (grand_total >= 0),
  payment_status text not null default 'unpaid' check (payment_status in ('unpaid', 'authorized', 'paid', 'partially_refunded', 'refunded')),
  shipping_address jsonb,
  placed_at timestamptz not null default now(),
  cancelled_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, order_number)
);
create index orders_customer_id_idx on public.orders (customer_id);
create index orders_status_open_idx on public.orders (organization_id, status) where cancelled_at is null;
create index orders_placed_at_idx on public.orders (organization_id, placed_at desc);
comment on table public.orders is 'Sales orders (from Shopify, chat commerce or manual entry).';
comment on column public.orders.grand_total is 'subtotal - discount_total + shipping_total + tax_total, in the order currency.';
create trigger orders_set_updated_at before update on public.orders
  for each row execute function public.set_updated_at();
alter table public.orders enable row level security;
create policy orders_select on public.orders
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy orders_insert on public.orders
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy orders_update on public.orders
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy orders_delete on public.orders
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid and ((select auth.jwt()) -> 'app_metadata' ->> 'org_role') in ('owner', 'admin'));

-- order_items (child, scoped through orders.id via order_id)
create table public.order_items (
  id uuid primary key default gen_random_uuid(),
  order_id uuid not null references public.orders(id) on delete cascade,
  inventory_item_id uuid references public.inventory_items(id) on delete set null,
  sku text,
  product_name text not null,
  quantity integer not null check (quantity > 0),
  unit_price numeric(12,2) not null check (unit_price >= 0),
  line_total numeric(12,2) generated always as (quantity * unit_price) stored,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index order_items_order_id_idx on public.order_items (order_id);
create index order_items_inventory_item_id_idx on public.order_items (inventory_item_id);
comment on table public.order_items is 'Line items of an order; scoped through orders.';
comment on column public.order_items.line_total is 'Generated: quantity * unit_price.';
create trigger order_items_set_updated_at before update on public.order_items
  for each row execute function public.set_updated_at();
alter table public.order_items enable row level security;
create policy order_items_select on public.order_items
  for select to authenticated
  using (exists (select 1 from public.orders o where o.id = order_items.order_id and o.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy order_items_insert on public.order_items
  for insert to authenticated
  with check (exists (select 1 from public.orders o where o.id = order_items.order_id and o.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy order_items_update on public.order_items
  for update to authenticated
  using (exists (select 1 from public.orders o where o.id = order_items.order_id and o.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid))
  with check (exists (select 1 from public.orders o where o.id = order_items.order_id and o.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy order_items_delete on public.order_items
  for delete to authenticated
  using (exists (select 1 from public.orders o where o.id = order_items.order_id and o.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));

-- order_item_adjustments (child, scoped through order_items.id via order_item_id)
create table public.order_item_adjustments (
  id uuid primary key default gen_random_uuid(),
  order_item_id uuid not null references public.order_items(id) on delete cascade,
  adjustment_type text not null check (adjustment_type in ('discount', 'tax', 'refund', 'price_override')),
  amount numeric(12,2) not null,
  reason text,
  created_by uuid,
  created_at timestamptz not null default now()
);
create index order_item_adjustments_order_item_id_idx on public.order_item_adjustments (order_item_id);
comment on table public.order_item_adjustments is 'Per-line discounts/taxes/price overrides; scoped through order_items, then orders.';
alter table public.order_item_adjustments enable row level security;
create policy order_item_adjustments_select on public.order_item_adjustments
  for select to authenticated
  using (exists (select 1 from public.order_items oi where oi.id = order_item_adjustments.order_item_id and exists (select 1 from public.orders o where o.id = oi.order_id and o.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)));
create policy order_item_adjustments_insert on public.order_item_adjustments
  for insert to authenticated
  with check (exists (select 1 from public.order_items oi where oi.id = order_item_adjustments.order_item_id and exists (select 1 from public.orders o where o.id = oi.order_id and o.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)));
create policy order_item_adjustments_update on public.order_item_adjustments
  for update to authenticated
  using (exists (select 1 from public.order_items oi where oi.id = order_item_adjustments.order_item_id and exists (select 1 from public.orders o where o.id = oi.order_id and o.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)))
  with check (exists (select 1 from public.order_items oi where oi.id = order_item_adjustments.order_item_id and exists (select 1 from public.orders o where o.id = oi.order_id and o.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)));
create policy order_item_adjustments_delete on public.order_item_adjustments
  for delete to authenticated
  using (exists (select 1 from public.order_items oi where oi.id = order_item_adjustments.order_item_id and exists (select 1 from public.orders o where o.id = oi.order_id and o.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)));

-- order_status_history (child, scoped through orders.id via order_id)
create table public.order_status_history (
  id uuid primary key default gen_random_uuid(),
  order_id uuid not null references public.orders(id) on delete cascade,
  from_status public.order_status,
  to_status public.order_status not null,
  changed_by uuid,
  note text,
  created_at timestamptz not null default now()
);
create index order_status_history_order_id_idx on public.order_status_history (order_id);
comment on table public.order_status_history is 'Status transitions of an order; scoped through orders.';
alter table public.order_status_history enable row level security;
create policy order_status_history_select on public.order_status_history
  for select to authenticated
  using (exists (select 1 from public.orders o where o.id = order_status_history.order_id and o.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy order_status_history_insert on public.order_status_history
  for insert to authenticated
  with check (exists (select 1 from public.orders o where o.id = order_status_history.order_id and o.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy order_status_history_update on public.order_status_history
  for update to authenticated
  using (exists (select 1 from public.orders o where o.id = order_status_history.order_id and o.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid))
  with check (exists (select 1 from public.orders o where o.id = order_status_history.order_id and o.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy order_status_history_delete on public.order_status_history
  for delete to authenticated
  using (exists (select 1 from public.orders o where o.id = order_status_history.order_id and o.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));

-- order_notes (tenant)
create table public.order_notes (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  order_id uuid not null references public.orders(id) on delete cascade,
  created_by uuid,
  body text not null,
  is_internal boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index order_notes_organization_id_idx on public.order_notes (organization_id);
create index order_notes_order_id_idx on public.order_notes (order_id);
comment on table public.order_notes is 'Internal and customer-visible notes on an order.';
create trigger order_notes_set_updated_at before update on public.order_notes
  for each row execute function public.set_updated_at();
alter table public.order_notes enable row level security;
create policy order_notes_select on public.order_notes
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy order_notes_insert on public.order_notes
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy order_notes_update on public.order_notes
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy order_notes_delete on public.order_notes
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- order_payments (tenant)
create table public.order_payments (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  order_id uuid not null references public.orders(id) on delete cascade,
  provider text not null,
  provider_payment_id text,
  amount numeric(12,2) not null check (amount >= 0),
  currency char(3) not null default 'USD',
  status text not null default 'pending' check (status in ('pending', 'authorized', 'captured', 'failed', 'voided')),
  paid_at timestamptz,
  created_at timestamptz not null default now(),
  unique (provider, provider_payment_id)
);
create index order_payments_organization_id_idx on public.order_payments (organization_id);
create index order_payments_order_id_idx on public.order_payments (order_id);
comment on table public.order_payments is 'Payments captured for an order.';
alter table public.order_payments enable row level security;
create policy order_payments_select on public.order_payments
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy order_payments_insert on public.order_payments
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy order_payments_update on public.order_payments
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy order_payments_delete on public.order_payments
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- order_refunds (tenant)
create table public.order_refunds (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  order_id uuid not null references public.orders(id) on delete cascade,
  payment_id uuid references public.order_payments(id) on delete set null,
  amount numeric(12,2) not null check (amount > 0),
  reason text,
  status text not null default 'pending',
  refunded_at timestamptz,
  created_by uuid,
  created_at timestamptz not null default now()
);
create index order_refunds_organization_id_idx on public.order_refunds (organization_id);
create index order_refunds_order_id_idx on public.order_refunds (order_id);
create index order_refunds_payment_id_idx on public.order_refunds (payment_id);
comment on table public.order_refunds is 'Refunds issued against an order payment.';
alter table public.order_refunds enable row level security;
create policy order_refunds_select on public.order_refunds
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy order_refunds_insert on public.order_refunds
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy order_refunds_update on public.order_refunds
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy order_refunds_delete on public.order_refunds
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- order_discounts (tenant)
create table public.order_discounts (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  order_id uuid not null references public.orders(id) on delete cascade,
  code text not null,
  discount_type text not null check (discount_type in ('percentage', 'fixed', 'free_shipping')),
  value numeric(12,2) not null,
  amount numeric(12,2) not null default 0,
  created_at timestamptz not null default now()
);
create index order_discounts_organization_id_idx on public.order_discounts (organization_id);
create index order_discounts_order_id_idx on public.order_discounts (order_id);
comment on table public.order_discounts is 'Discount codes applied to an order.';
alter table public.order_discounts enable row level security;
create policy order_discounts_select on public.order_discounts
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy order_discounts_insert on public.order_discounts
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy order_discounts_update on public.order_discounts
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy order_discounts_delete on public.order_discounts
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- order_tags (tenant)
create table public.order_tags (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  order_id uuid not null references public.orders(id) on delete cascade,
  tag text not null,
  created_at timestamptz not null default now(),
  unique (order_id, tag)
);
create index order_tags_organization_id_idx on public.order_tags (organization_id);
comment on table public.order_tags is 'Free-form tags on orders.';
alter table public.order_tags enable row level security;
create policy order_tags_select on public.order_tags
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy order_tags_insert on public.order_tags
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy order_tags_update on public.order_tags
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy order_tags_delete on public.order_tags
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- order_returns (tenant)
create table public.order_returns (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  order_id uuid not null references public.orders(id) on delete cascade,
  rma_number text not null,
  status text not null default 'requested' check (status in ('requested', 'approved', 'received', 'refunded', 'rejected')),
  reason text,
  refund_amount numeric(12,2),
  requested_at timestamptz not null default now(),
  received_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, rma_number)
);
create index order_returns_order_id_idx on public.order_returns (order_id);
comment on table public.order_returns is 'Return requests (RMA) for an order.';
create trigger order_returns_set_updated_at before update on public.order_returns
  for each row execute function public.set_updated_at();
alter table public.order_returns enable row level security;
create policy order_returns_select on public.order_returns
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy order_returns_insert on public.order_returns
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy order_returns_update on public.order_returns
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy order_returns_delete on public.order_returns
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- invoices (tenant)
create table public.invoices (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  order_id uuid references public.orders(id) on delete set null,
  invoice_number bigint not null default nextval('public.invoice_number_seq'),
  status text not null default 'draft' check (status in ('draft', 'issued', 'paid', 'void')),
  total numeric(12,2) not null default 0,
  issued_at timestamptz,
  due_at timestamptz,
  pdf_path text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, invoice_number)
);
create index invoices_order_id_idx on public.invoices (order_id);
comment on table public.invoices is 'Invoices issued for orders; numbers come from invoice_number_seq.';
comment on column public.invoices.invoice_number is 'Sequential number drawn from public.invoice_number_seq.';
create trigger invoices_set_updated_at before update on public.invoices
  for each row execute function public.set_updated_at();
alter table public.invoices enable row level security;
create policy invoices_select on public.invoices
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy invoices_insert on public.invoices
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy invoices_update on public.invoices
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy invoices_delete on public.invoices
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- ============================================================================
-- Inventory
-- ============================================================================

-- inventory_reservations (tenant)
create table public.inventory_reservations (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  inventory_item_id uuid not null references public.inventory_items(id) on delete cascade,
  warehouse_id uuid not null references public.warehouses(id) on delete cascade,
  order_id uuid not null references public.orders(id) on delete cascade,
  quantity integer not null check (quantity > 0),
  expires_at timestamptz,
  released_at timestamptz,
  created_at timestamptz not null default now()
);
create index inventory_reservations_inventory_item_id_idx on public.inventory_reservations (inventory_item_id);
create index inventory_reservations_warehouse_id_idx on public.inventory_reservations (warehouse_id);
create index inventory_reservations_order_id_idx on public.inventory_reservations (order_id);
create index inventory_reservations_active_idx on public.inventory_reservations (organization_id, inventory_item_id) where released_at is null;
comment on table public.inventory_reservations is 'Stock reserved for open orders.';
alter table public.inventory_reservations enable row level security;
create policy inventory_reservations_select on public.inventory_reservations
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_reservations_insert on public.inventory_reservations
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_reservations_update on public.inventory_reservations
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_reservations_delete on public.inventory_reservations
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- ============================================================================
-- Fulfillment
-- ============================================================================

-- pick_waves (tenant)
create table public.pick_waves (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  warehouse_id uuid not null references public.warehouses(id) on delete cascade,
  wave_number integer not null,
  status text not null default 'planned' check (status in ('planned', 'released', 'completed', 'cancelled')),
  released_at timestamptz,
  completed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (warehouse_id, wave_number)
);
create index pick_waves_organization_id_idx on public.pick_waves (organization_id);
comment on table public.pick_waves is 'Waves grouping pick lists released together.';
create trigger pick_waves_set_updated_at before update on public.pick_waves
  for each row execute function public.set_updated_at();
alter table public.pick_waves enable row level security;
create policy pick_waves_select on public.pick_waves
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy pick_waves_insert on public.pick_waves
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy pick_waves_update on public.pick_waves
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy pick_waves_delete on public.pick_waves
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- pick_lists (tenant)
create table public.pick_lists (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  warehouse_id uuid not null references public.warehouses(id) on delete cascade,
  wave_id uuid references public.pick_waves(id) on delete set null,
  assigned_to uuid,
  status text not null default 'open' check (status in ('open', 'picking', 'picked', 'cancelled')),
  started_at timestamptz,
  completed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index pick_lists_organization_id_idx on public.pick_lists (organization_id);
create index pick_lists_warehouse_id_idx on public.pick_lists (warehouse_id);
create index pick_lists_wave_id_idx on public.pick_lists (wave_id);
comment on table public.pick_lists is 'Pick lists assigned to warehouse pickers.';
create trigger pick_lists_set_updated_at before update on public.pick_lists
  for each row execute function public.set_updated_at();
alter table public.pick_lists enable row level security;
create policy pick_lists_select on public.pick_lists
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy pick_lists_insert on public.pick_lists
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy pick_lists_update on public.pick_lists
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy pick_lists_delete on public.pick_lists
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- pick_list_items (child, scoped through pick_lists.id via pick_list_id)
create table public.pick_list_items (
  id uuid primary key default gen_random_uuid(),
  pick_list_id uuid not null references public.pick_lists(id) on delete cascade,
  order_item_id uuid not null references public.order_items(id) on delete cascade,
  location_id uuid references public.warehouse_locations(id) on delete set null,
  quantity_requested integer not null check (quantity_requested > 0),
  quantity_picked integer not null default 0 check (quantity_picked >= 0),
  picked_at timestamptz,
  created_at timestamptz not null default now()
);
create index pick_list_items_pick_list_id_idx on public.pick_list_items (pick_list_id);
create index pick_list_items_order_item_id_idx on public.pick_list_items (order_item_id);
create index pick_list_items_location_id_idx on public.pick_list_items (location_id);
comment on table public.pick_list_items is 'Items to pick on a pick list; scoped through pick_lists.';
alter table public.pick_list_items enable row level security;
create policy pick_list_items_select on public.pick_list_items
  for select to authenticated
  using (exists (select 1 from public.pick_lists pl where pl.id = pick_list_items.pick_list_id and pl.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy pick_list_items_insert on public.pick_list_items
  for insert to authenticated
  with check (exists (select 1 from public.pick_lists pl where pl.id = pick_list_items.pick_list_id and pl.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy pick_list_items_update on public.pick_list_items
  for update to authenticated
  using (exists (select 1 from public.pick_lists pl where pl.id = pick_list_items.pick_list_id and pl.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid))
  with check (exists (select 1 from public.pick_lists pl where pl.id = pick_list_items.pick_list_id and pl.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy pick_list_items_delete on public.pick_list_items
  for delete to authenticated
  using (exists (select 1 from public.pick_lists pl where pl.id = pick_list_items.pick_list_id and pl.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));

-- fulfillment_orders (tenant)
create table public.fulfillment_orders (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  order_id uuid not null references public.orders(id) on delete cascade,
  warehouse_id uuid not null references public.warehouses(id) on delete restrict,
  status public.fulfillment_status not null default 'pending',
  priority integer not null default 0,
  shipped_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index fulfillment_orders_order_id_idx on public.fulfillment_orders (order_id);
create index fulfillment_orders_warehouse_id_idx on public.fulfillment_orders (warehouse_id);
create index fulfillment_orders_pending_idx on public.fulfillment_orders (organization_id, warehouse_id, priority desc) where status = 'pending';
comment on table public.fulfillment_orders is 'Fulfillment requests for an order from one warehouse.';
create trigger fulfillment_orders_set_updated_at before update on public.fulfillment_orders
  for each row execute function public.set_updated_at();
alter table public.fulfillment_orders enable row level security;
create policy fulfillment_orders_select on public.fulfillment_orders
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy fulfillment_orders_insert on public.fulfillment_orders
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy fulfillment_orders_update on public.fulfillment_orders
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy fulfillment_orders_delete on public.fulfillment_orders
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- fulfillment_items (tenant)
create table public.fulfillment_items (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  fulfillment_order_id uuid not null references public.fulfillment_orders(id) on delete cascade,
  order_item_id uuid not null references public.order_items(id) on delete cascade,
  quantity integer not null check (quantity > 0),
  created_at timestamptz not null default now()
);
create index fulfillment_items_organization_id_idx on public.fulfillment_items (organization_id);
create index fulfillment_items_fulfillment_order_id_idx on public.fulfillment_items (fulfillment_order_id);
create index fulfillment_items_order_item_id_idx on public.fulfillment_items (order_item_id);
comment on table public.fulfillment_items is 'Order items included in a fulfillment order.';
alter table public.fulfillment_items enable row level security;
create policy fulfillment_items_select on public.fulfillment_items
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy fulfillment_items_insert on public.fulfillment_items
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy fulfillment_items_update on public.fulfillment_items
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy fulfillment_items_delete on public.fulfillment_items
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- fulfillment_events (tenant)
create table public.fulfillment_events (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  fulfillment_order_id uuid not null references public.fulfillment_orders(id) on delete cascade,
  event_type text not null,
  payload jsonb not null default '{}'::jsonb,
  occurred_at timestamptz not null default now(),
  created_at timestamptz not null default now()
);
create index fulfillment_events_organization_id_idx on public.fulfillment_events (organization_id);
create index fulfillment_events_fulfillment_order_id_idx on public.fulfillment_events (fulfillment_order_id);
comment on table public.fulfillment_events is 'Event log of a fulfillment order.';
alter table public.fulfillment_events enable row level security;
create policy fulfillment_events_select on public.fulfillment_events
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy fulfillment_events_insert on public.fulfillment_events
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy fulfillment_events_update on public.fulfillment_events
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy fulfillment_events_delete on public.fulfillment_events
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- fulfillment_exceptions (tenant)
create table public.fulfillment_exceptions (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  fulfillment_order_id uuid not null references public.fulfillment_orders(id) on delete cascade,
  exception_type text not null,
  description text,
  resolved_at timestamptz,
  resolved_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index fulfillment_exceptions_fulfillment_order_id_idx on public.fulfillment_exceptions (fulfillment_order_id);
create index fulfillment_exceptions_open_idx on public.fulfillment_exceptions (organization_id) where resolved_at is null;
comment on table public.fulfillment_exceptions is 'Problems raised during fulfillment (stock-outs, damage...).';
create trigger fulfillment_exceptions_set_updated_at before update on public.fulfillment_exceptions
  for each row execute function public.set_updated_at();
alter table public.fulfillment_exceptions enable row level security;
create policy fulfillment_exceptions_select on public.fulfillment_exceptions
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy fulfillment_exceptions_insert on public.fulfillment_exceptions
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy fulfillment_exceptions_update on public.fulfillment_exceptions
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy fulfillment_exceptions_delete on public.fulfillment_exceptions
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- ============================================================================
-- Shipping
-- ============================================================================

-- awbs (tenant)
create table public.awbs (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  order_id uuid not null references public.orders(id) on delete cascade,
  fulfillment_order_id uuid references public.fulfillment_orders(id) on delete set null,
  courier text not null,
  awb_number text not null,
  status text not null default 'created',
  weight_grams integer check (weight_grams > 0),
  cod_amount numeric(12,2) check (cod_amount >= 0),
  shipped_at timestamptz,
  delivered_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, courier, awb_number)
);
create index awbs_order_id_idx on public.awbs (order_id);
create index awbs_fulfillment_order_id_idx on public.awbs (fulfillment_order_id);
create index awbs_awb_number_idx on public.awbs (awb_number);
comment on table public.awbs is 'Air waybills / shipments handed to couriers.';
create trigger awbs_set_updated_at before update on public.awbs
  for each row execute function public.set_updated_at();
alter table public.awbs enable row level security;
create policy awbs_select on public.awbs
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy awbs_insert on public.awbs
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy awbs_update on public.awbs
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy awbs_delete on public.awbs
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- awb_events (child, scoped through awbs.id via awb_id)
create table public.awb_events (
  id uuid primary key default gen_random_uuid(),
  awb_id uuid not null references public.awbs(id) on delete cascade,
  status text not null,
  location text,
  description text,
  occurred_at timestamptz not null,
  raw jsonb,
  created_at timestamptz not null default now()
);
create index awb_events_awb_occurred_idx on public.awb_events (awb_id, occurred_at);
comment on table public.awb_events is 'Courier tracking events of an AWB; scoped through awbs.';
alter table public.awb_events enable row level security;
create policy awb_events_select on public.awb_events
  for select to authenticated
  using (exists (select 1 from public.awbs a where a.id = awb_events.awb_id and a.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy awb_events_insert on public.awb_events
  for insert to authenticated
  with check (exists (select 1 from public.awbs a where a.id = awb_events.awb_id and a.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy awb_events_update on public.awb_events
  for update to authenticated
  using (exists (select 1 from public.awbs a where a.id = awb_events.awb_id and a.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid))
  with check (exists (select 1 from public.awbs a where a.id = awb_events.awb_id and a.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy awb_events_delete on public.awb_events
  for delete to authenticated
  using (exists (select 1 from public.awbs a where a.id = awb_events.awb_id and a.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));

-- awb_labels (tenant)
create table public.awb_labels (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  awb_id uuid not null references public.awbs(id) on delete cascade,
  format text not null default 'pdf' check (format in ('pdf', 'zpl', 'png')),
  storage_path text not null,
  printed_at timestamptz,
  created_at timestamptz not null default now()
);
create index awb_labels_organization_id_idx on public.awb_labels (organization_id);
create index awb_labels_awb_id_idx on public.awb_labels (awb_id);
comment on table public.awb_labels is 'Printable shipping labels of an AWB.';
alter table public.awb_labels enable row level security;
create policy awb_labels_select on public.awb_labels
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy awb_labels_insert on public.awb_labels
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy awb_labels_update on public.awb_labels
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy awb_labels_delete on public.awb_labels
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- awb_pickups (tenant)
create table public.awb_pickups (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  warehouse_id uuid not null references public.warehouses(id) on delete cascade,
  courier text not null,
  pickup_date date not null,
  status text not null default 'requested',
  awb_count integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index awb_pickups_organization_id_idx on public.awb_pickups (organization_id);
create index awb_pickups_warehouse_id_idx on public.awb_pickups (warehouse_id);
comment on table public.awb_pickups is 'Courier pickup requests from a warehouse.';
create trigger awb_pickups_set_updated_at before update on public.awb_pickups
  for each row execute function public.set_updated_at();
alter table public.awb_pickups enable row level security;
create policy awb_pickups_select on public.awb_pickups
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy awb_pickups_insert on public.awb_pickups
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy awb_pickups_update on public.awb_pickups
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy awb_pickups_delete on public.awb_pickups
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- awb_rate_cards (tenant)
create table public.awb_rate_cards (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  courier text not null,
  zone text not null,
  weight_from_grams integer not null check (weight_from_grams >= 0),
  weight_to_grams integer not null,
  rate numeric(12,2) not null check (rate >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (weight_to_grams > weight_from_grams),
  unique (organization_id, courier, zone, weight_from_grams)
);
comment on table public.awb_rate_cards is 'Negotiated courier rates by zone and weight band.';
create trigger awb_rate_cards_set_updated_at before update on public.awb_rate_cards
  for each row execute function public.set_updated_at();
alter table public.awb_rate_cards enable row level security;
create policy awb_rate_cards_select on public.awb_rate_cards
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy awb_rate_cards_insert on public.awb_rate_cards
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy awb_rate_cards_update on public.awb_rate_cards
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy awb_rate_cards_delete on public.awb_rate_cards
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- awb_ndr_cases (tenant)
create table public.awb_ndr_cases (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  awb_id uuid not null references public.awbs(id) on delete cascade,
  reason text not null,
  attempt_count integer not null default 1,
  action text check (action in ('reattempt', 'rto', 'change_address', 'hold')),
  resolved_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index awb_ndr_cases_organization_id_idx on public.awb_ndr_cases (organization_id);
create index awb_ndr_cases_awb_id_idx on public.awb_ndr_cases (awb_id);
comment on table public.awb_ndr_cases is 'Non-delivery reports and their resolution.';
create trigger awb_ndr_cases_set_updated_at before update on public.awb_ndr_cases
  for each row execute function public.set_updated_at();
alter table public.awb_ndr_cases enable row level security;
create policy awb_ndr_cases_select on public.awb_ndr_cases
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy awb_ndr_cases_insert on public.awb_ndr_cases
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy awb_ndr_cases_update on public.awb_ndr_cases
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy awb_ndr_cases_delete on public.awb_ndr_cases
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- ============================================================================
-- Calls / PBX
-- ============================================================================

-- pbx_trunks (tenant)
create table public.pbx_trunks (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  name text not null,
  provider text not null,
  sip_host text not null,
  username text,
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index pbx_trunks_organization_id_idx on public.pbx_trunks (organization_id);
comment on table public.pbx_trunks is 'SIP trunks connected to the PBX.';
create trigger pbx_trunks_set_updated_at before update on public.pbx_trunks
  for each row execute function public.set_updated_at();
alter table public.pbx_trunks enable row level security;
create policy pbx_trunks_select on public.pbx_trunks
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy pbx_trunks_insert on public.pbx_trunks
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy pbx_trunks_update on public.pbx_trunks
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy pbx_trunks_delete on public.pbx_trunks
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- pbx_ivr_menus (tenant)
create table public.pbx_ivr_menus (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  name text not null,
  greeting_path text,
  options jsonb not null default '{}'::jsonb,
  timeout_seconds integer not null default 10 check (timeout_seconds > 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index pbx_ivr_menus_organization_id_idx on public.pbx_ivr_menus (organization_id);
comment on table public.pbx_ivr_menus is 'Interactive voice response menus.';
create trigger pbx_ivr_menus_set_updated_at before update on public.pbx_ivr_menus
  for each row execute function public.set_updated_at();
alter table public.pbx_ivr_menus enable row level security;
create policy pbx_ivr_menus_select on public.pbx_ivr_menus
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy pbx_ivr_menus_insert on public.pbx_ivr_menus
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy pbx_ivr_menus_update on public.pbx_ivr_menus
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy pbx_ivr_menus_delete on public.pbx_ivr_menus
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- user_extensions (tenant)
create table public.user_extensions (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  user_id uuid not null,
  extension text not null,
  trunk_id uuid references public.pbx_trunks(id) on delete set null,
  voicemail_enabled boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, extension)
);
create index user_extensions_trunk_id_idx on public.user_extensions (trunk_id);
comment on table public.user_extensions is 'PBX extension assigned to a user.';
create trigger user_extensions_set_updated_at before update on public.user_extensions
  for each row execute function public.set_updated_at();
alter table public.user_extensions enable row level security;
create policy user_extensions_select on public.user_extensions
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy user_extensions_insert on public.user_extensions
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy user_extensions_update on public.user_extensions
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy user_extensions_delete on public.user_extensions
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- call_queues (tenant)
create table public.call_queues (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  name text not null,
  strategy text not null default 'round_robin' check (strategy in ('round_robin', 'ring_all', 'least_recent', 'random')),
  max_wait_seconds integer not null default 300,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index call_queues_organization_id_idx on public.call_queues (organization_id);
comment on table public.call_queues is 'Call queues (ACD groups).';
create trigger call_queues_set_updated_at before update on public.call_queues
  for each row execute function public.set_updated_at();
alter table public.call_queues enable row level security;
create policy call_queues_select on public.call_queues
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy call_queues_insert on public.call_queues
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy call_queues_update on public.call_queues
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy call_queues_delete on public.call_queues
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- call_queue_members (tenant)
create table public.call_queue_members (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  queue_id uuid not null references public.call_queues(id) on delete cascade,
  user_extension_id uuid not null references public.user_extensions(id) on delete cascade,
  penalty integer not null default 0,
  paused boolean not null default false,
  created_at timestamptz not null default now(),
  unique (queue_id, user_extension_id)
);
create index call_queue_members_organization_id_idx on public.call_queue_members (organization_id);
create index call_queue_members_user_extension_id_idx on public.call_queue_members (user_extension_id);
comment on table public.call_queue_members is 'Extensions that answer a call queue.';
alter table public.call_queue_members enable row level security;
create policy call_queue_members_select on public.call_queue_members
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy call_queue_members_insert on public.call_queue_members
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy call_queue_members_update on public.call_queue_members
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy call_queue_members_delete on public.call_queue_members
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- call_logs (tenant)
create table public.call_logs (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  direction public.call_direction not null,
  from_number text not null,
  to_number text not null,
  customer_id uuid references public.customers(id) on delete set null,
  user_extension_id uuid references public.user_extensions(id) on delete set null,
  queue_id uuid references public.call_queues(id) on delete set null,
  status text not null,
  started_at timestamptz not null,
  answered_at timestamptz,
  ended_at timestamptz,
  duration_seconds integer check (duration_seconds >= 0),
  created_at timestamptz not null default now(),
  check (ended_at is null or ended_at >= started_at)
);
create index call_logs_customer_id_idx on public.call_logs (customer_id);
create index call_logs_user_extension_id_idx on public.call_logs (user_extension_id);
create index call_logs_queue_id_idx on public.call_logs (queue_id);
create index call_logs_started_idx on public.call_logs (organization_id, started_at desc);
comment on table public.call_logs is 'Call detail records.';
alter table public.call_logs enable row level security;
create policy call_logs_select on public.call_logs
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy call_logs_insert on public.call_logs
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy call_logs_update on public.call_logs
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy call_logs_delete on public.call_logs
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- call_recordings (tenant)
create table public.call_recordings (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  call_log_id uuid not null references public.call_logs(id) on delete cascade,
  storage_path text not null,
  duration_seconds integer not null check (duration_seconds >= 0),
  created_at timestamptz not null default now()
);
create index call_recordings_organization_id_idx on public.call_recordings (organization_id);
create index call_recordings_call_log_id_idx on public.call_recordings (call_log_id);
comment on table public.call_recordings is 'Recordings of calls.';
alter table public.call_recordings enable row level security;
create policy call_recordings_select on public.call_recordings
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy call_recordings_insert on public.call_recordings
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy call_recordings_update on public.call_recordings
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy call_recordings_delete on public.call_recordings
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- call_transcripts (tenant)
create table public.call_transcripts (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  call_log_id uuid not null references public.call_logs(id) on delete cascade,
  language text not null default 'en',
  transcript text not null,
  summary text,
  sentiment text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index call_transcripts_organization_id_idx on public.call_transcripts (organization_id);
create index call_transcripts_call_log_id_idx on public.call_transcripts (call_log_id);
comment on table public.call_transcripts is 'Speech-to-text transcripts and summaries of calls.';
create trigger call_transcripts_set_updated_at before update on public.call_transcripts
  for each row execute function public.set_updated_at();
alter table public.call_transcripts enable row level security;
create policy call_transcripts_select on public.call_transcripts
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy call_transcripts_insert on public.call_transcripts
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy call_transcripts_update on public.call_transcripts
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy call_transcripts_delete on public.call_transcripts
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- call_dispositions (tenant)
create table public.call_dispositions (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  call_log_id uuid not null references public.call_logs(id) on delete cascade,
  code text not null,
  notes text,
  created_by uuid,
  created_at timestamptz not null default now()
);
create index call_dispositions_organization_id_idx on public.call_dispositions (organization_id);
create index call_dispositions_call_log_id_idx on public.call_dispositions (call_log_id);
comment on table public.call_dispositions is 'Wrap-up codes recorded after a call.';
alter table public.call_dispositions enable row level security;
create policy call_dispositions_select on public.call_dispositions
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy call_dispositions_insert on public.call_dispositions
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy call_dispositions_update on public.call_dispositions
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy call_dispositions_delete on public.call_dispositions
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- active_calls (tenant)
create table public.active_calls (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  call_log_id uuid references public.call_logs(id) on delete cascade,
  channel_id text not null unique,
  state text not null check (state in ('ringing', 'up', 'hold', 'transferring')),
  agent_id uuid,
  started_at timestamptz not null default now(),
  created_at timestamptz not null default now()
);
create index active_calls_organization_id_idx on public.active_calls (organization_id);
create index active_calls_call_log_id_idx on public.active_calls (call_log_id);
comment on table public.active_calls is 'Calls in progress right now (live PBX state).';
alter table public.active_calls enable row level security;
create policy active_calls_select on public.active_calls
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy active_calls_insert on public.active_calls
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy active_calls_update on public.active_calls
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy active_calls_delete on public.active_calls
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- ============================================================================
-- Integrations
-- ============================================================================

-- shopify_stores (tenant)
create table public.shopify_stores (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  shop_domain text not null unique,
  access_token_encrypted text,
  scopes text[] not null default '{}',
  installed_at timestamptz not null default now(),
  uninstalled_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index shopify_stores_organization_id_idx on public.shopify_stores (organization_id);
comment on table public.shopify_stores is 'Shopify shops installed by an organization.';
create trigger shopify_stores_set_updated_at before update on public.shopify_stores
  for each row execute function public.set_updated_at();
alter table public.shopify_stores enable row level security;
create policy shopify_stores_select on public.shopify_stores
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy shopify_stores_insert on public.shopify_stores
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy shopify_stores_update on public.shopify_stores
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy shopify_stores_delete on public.shopify_stores
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- shopify_products (tenant)
create table public.shopify_products (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  shopify_store_id uuid not null references public.shopify_stores(id) on delete cascade,
  shopify_product_id bigint not null,
  title text not null,
  handle text,
  vendor text,
  product_type text,
  status text not null default 'active',
  inventory_item_id uuid references public.inventory_items(id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (shopify_store_id, shopify_product_id)
);
create index shopify_products_organization_id_idx on public.shopify_products (organization_id);
create index shopify_products_inventory_item_id_idx on public.shopify_products (inventory_item_id);
comment on table public.shopify_products is 'Products mirrored from Shopify.';
create trigger shopify_products_set_updated_at before update on public.shopify_products
  for each row execute function public.set_updated_at();
alter table public.shopify_products enable row level security;
create policy shopify_products_select on public.shopify_products
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy shopify_products_insert on public.shopify_products
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy shopify_products_update on public.shopify_products
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy shopify_products_delete on public.shopify_products
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- shopify_product_variants (child, scoped through shopify_products.id via product_id)
create table public.shopify_product_variants (
  id uuid primary key default gen_random_uuid(),
  product_id uuid not null references public.shopify_products(id) on delete cascade,
  shopify_variant_id bigint not null unique,
  sku text,
  title text,
  price numeric(12,2) not null default 0,
  compare_at_price numeric(12,2),
  inventory_quantity integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index shopify_product_variants_product_id_idx on public.shopify_product_variants (product_id);
comment on table public.shopify_product_variants is 'Variants of a Shopify product; scoped through shopify_products.';
create trigger shopify_product_variants_set_updated_at before update on public.shopify_product_variants
  for each row execute function public.set_updated_at();
alter table public.shopify_product_variants enable row level security;
create policy shopify_product_variants_select on public.shopify_product_variants
  for select to authenticated
  using (exists (select 1 from public.shopify_products sp where sp.id = shopify_product_variants.product_id and sp.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy shopify_product_variants_insert on public.shopify_product_variants
  for insert to authenticated
  with check (exists (select 1 from public.shopify_products sp where sp.id = shopify_product_variants.product_id and sp.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy shopify_product_variants_update on public.shopify_product_variants
  for update to authenticated
  using (exists (select 1 from public.shopify_products sp where sp.id = shopify_product_variants.product_id and sp.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid))
  with check (exists (select 1 from public.shopify_products sp where sp.id = shopify_product_variants.product_id and sp.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy shopify_product_variants_delete on public.shopify_product_variants
  for delete to authenticated
  using (exists (select 1 from public.shopify_products sp where sp.id = shopify_product_variants.product_id and sp.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));

-- shopify_collections (tenant)
create table public.shopify_collections (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  shopify_store_id uuid not null references public.shopify_stores(id) on delete cascade,
  shopify_collection_id bigint not null,
  title text not null,
  handle text,
  rules jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (shopify_store_id, shopify_collection_id)
);
create index shopify_collections_organization_id_idx on public.shopify_collections (organization_id);
comment on table public.shopify_collections is 'Collections mirrored from Shopify.';
create trigger shopify_collections_set_updated_at before update on public.shopify_collections
  for each row execute function public.set_updated_at();
alter table public.shopify_collections enable row level security;
create policy shopify_collections_select on public.shopify_collections
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy shopify_collections_insert on public.shopify_collections
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy shopify_collections_update on public.shopify_collections
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy shopify_collections_delete on public.shopify_collections
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- shopify_orders (tenant)
create table public.shopify_orders (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  shopify_store_id uuid not null references public.shopify_stores(id) on delete cascade,
  shopify_order_id bigint not null,
  order_id uuid references public.orders(id) on delete set null,
  payload jsonb not null,
  synced_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  unique (shopify_store_id, shopify_order_id)
);
create index shopify_orders_organization_id_idx on public.shopify_orders (organization_id);
create index shopify_orders_order_id_idx on public.shopify_orders (order_id);
comment on table public.shopify_orders is 'Raw Shopify order payloads linked to local orders.';
alter table public.shopify_orders enable row level security;
create policy shopify_orders_select on public.shopify_orders
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy shopify_orders_insert on public.shopify_orders
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy shopify_orders_update on public.shopify_orders
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy shopify_orders_delete on public.shopify_orders
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- shopify_webhooks (tenant)
create table public.shopify_webhooks (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  shopify_store_id uuid not null references public.shopify_stores(id) on delete cascade,
  topic text not null,
  address text not null,
  shopify_webhook_id bigint,
  created_at timestamptz not null default now(),
  unique (shopify_store_id, topic)
);
create index shopify_webhooks_organization_id_idx on public.shopify_webhooks (organization_id);
comment on table public.shopify_webhooks is 'Webhook subscriptions registered with Shopify.';
alter table public.shopify_webhooks enable row level security;
create policy shopify_webhooks_select on public.shopify_webhooks
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy shopify_webhooks_insert on public.shopify_webhooks
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy shopify_webhooks_update on public.shopify_webhooks
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy shopify_webhooks_delete on public.shopify_webhooks
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- shopify_sync_jobs (tenant)
create table public.shopify_sync_jobs (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  shopify_store_id uuid not null references public.shopify_stores(id) on delete cascade,
  job_type text not null,
  status text not null default 'queued' check (status in ('queued', 'running', 'succeeded', 'failed')),
  cursor text,
  started_at timestamptz,
  finished_at timestamptz,
  error text,
  created_at timestamptz not null default now()
);
create index shopify_sync_jobs_organization_id_idx on public.shopify_sync_jobs (organization_id);
create index shopify_sync_jobs_shopify_store_id_idx on public.shopify_sync_jobs (shopify_store_id);
comment on table public.shopify_sync_jobs is 'Background sync jobs pulling data from Shopify.';
alter table public.shopify_sync_jobs enable row level security;
create policy shopify_sync_jobs_select on public.shopify_sync_jobs
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy shopify_sync_jobs_insert on public.shopify_sync_jobs
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy shopify_sync_jobs_update on public.shopify_sync_jobs
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy shopify_sync_jobs_delete on public.shopify_sync_jobs
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- facebook_pages (tenant)
create table public.facebook_pages (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  page_id text not null,
  name text not null,
  access_token_encrypted text,
  connected_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, page_id)
);
comment on table public.facebook_pages is 'Facebook pages connected for messaging and lead ads.';
create trigger facebook_pages_set_updated_at before update on public.facebook_pages
  for each row execute function public.set_updated_at();
alter table public.facebook_pages enable row level security;
create policy facebook_pages_select on public.facebook_pages
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy facebook_pages_insert on public.facebook_pages
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy facebook_pages_update on public.facebook_pages
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy facebook_pages_delete on public.facebook_pages
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- facebook_ad_accounts (tenant)
create table public.facebook_ad_accounts (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  ad_account_id text not null,
  name text not null,
  currency char(3),
  timezone text,
  status text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, ad_account_id)
);
comment on table public.facebook_ad_accounts is 'Facebook ad accounts connected by the organization.';
create trigger facebook_ad_accounts_set_updated_at before update on public.facebook_ad_accounts
  for each row execute function public.set_updated_at();
alter table public.facebook_ad_accounts enable row level security;
create policy facebook_ad_accounts_select on public.facebook_ad_accounts
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy facebook_ad_accounts_insert on public.facebook_ad_accounts
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy facebook_ad_accounts_update on public.facebook_ad_accounts
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy facebook_ad_accounts_delete on public.facebook_ad_accounts
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- facebook_campaigns (tenant)
create table public.facebook_campaigns (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  ad_account_id uuid not null references public.facebook_ad_accounts(id) on delete cascade,
  campaign_id text not null,
  name text not null,
  objective text,
  status text,
  daily_budget numeric(12,2),
  spend numeric(12,2) not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (ad_account_id, campaign_id)
);
create index facebook_campaigns_organization_id_idx on public.facebook_campaigns (organization_id);
comment on table public.facebook_campaigns is 'Facebook ad campaigns and their spend.';
create trigger facebook_campaigns_set_updated_at before update on public.facebook_campaigns
  for each row execute function public.set_updated_at();
alter table public.facebook_campaigns enable row level security;
create policy facebook_campaigns_select on public.facebook_campaigns
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy facebook_campaigns_insert on public.facebook_campaigns
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy facebook_campaigns_update on public.facebook_campaigns
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy facebook_campaigns_delete on public.facebook_campaigns
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- facebook_leads (tenant)
create table public.facebook_leads (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  page_id uuid not null references public.facebook_pages(id) on delete cascade,
  leadgen_id text not null unique,
  form_id text,
  customer_id uuid references public.customers(id) on delete set null,
  field_data jsonb not null default '[]'::jsonb,
  received_at timestamptz not null default now(),
  created_at timestamptz not null default now()
);
create index facebook_leads_organization_id_idx on public.facebook_leads (organization_id);
create index facebook_leads_page_id_idx on public.facebook_leads (page_id);
create index facebook_leads_customer_id_idx on public.facebook_leads (customer_id);
comment on table public.facebook_leads is 'Leads captured from Facebook lead-ad forms.';
alter table public.facebook_leads enable row level security;
create policy facebook_leads_select on public.facebook_leads
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy facebook_leads_insert on public.facebook_leads
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy facebook_leads_update on public.facebook_leads
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy facebook_leads_delete on public.facebook_leads
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- facebook_catalogs (tenant)
create table public.facebook_catalogs (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  catalog_id text not null,
  name text not null,
  product_count integer not null default 0,
  last_synced_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, catalog_id)
);
comment on table public.facebook_catalogs is 'Facebook commerce catalogs synced from inventory.';
create trigger facebook_catalogs_set_updated_at before update on public.facebook_catalogs
  for each row execute function public.set_updated_at();
alter table public.facebook_catalogs enable row level security;
create policy facebook_catalogs_select on public.facebook_catalogs
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy facebook_catalogs_insert on public.facebook_catalogs
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy facebook_catalogs_update on public.facebook_catalogs
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy facebook_catalogs_delete on public.facebook_catalogs
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- social_accounts (tenant)
create table public.social_accounts (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  platform text not null check (platform in ('instagram', 'tiktok', 'x', 'linkedin', 'youtube')),
  handle text not null,
  external_id text,
  access_token_encrypted text,
  connected_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index social_accounts_organization_id_idx on public.social_accounts (organization_id);
comment on table public.social_accounts is 'Social media accounts (Instagram, TikTok, X...).';
create trigger social_accounts_set_updated_at before update on public.social_accounts
  for each row execute function public.set_updated_at();
alter table public.social_accounts enable row level security;
create policy social_accounts_select on public.social_accounts
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy social_accounts_insert on public.social_accounts
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy social_accounts_update on public.social_accounts
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy social_accounts_delete on public.social_accounts
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- social_posts (tenant)
create table public.social_posts (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  social_account_id uuid not null references public.social_accounts(id) on delete cascade,
  content text not null,
  media jsonb not null default '[]'::jsonb,
  status text not null default 'draft' check (status in ('draft', 'scheduled', 'published', 'failed')),
  scheduled_at timestamptz,
  published_at timestamptz,
  external_post_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index social_posts_organization_id_idx on public.social_posts (organization_id);
create index social_posts_social_account_id_idx on public.social_posts (social_account_id);
comment on table public.social_posts is 'Scheduled and published social posts.';
create trigger social_posts_set_updated_at before update on public.social_posts
  for each row execute function public.set_updated_at();
alter table public.social_posts enable row level security;
create policy social_posts_select on public.social_posts
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy social_posts_insert on public.social_posts
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy social_posts_update on public.social_posts
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy social_posts_delete on public.social_posts
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- social_comments (tenant)
create table public.social_comments (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  social_post_id uuid not null references public.social_posts(id) on delete cascade,
  author_handle text not null,
  body text not null,
  external_comment_id text,
  sentiment text,
  replied_at timestamptz,
  created_at timestamptz not null default now()
);
create index social_comments_organization_id_idx on public.social_comments (organization_id);
create index social_comments_social_post_id_idx on public.social_comments (social_post_id);
comment on table public.social_comments is 'Comments received on social posts.';
alter table public.social_comments enable row level security;
create policy social_comments_select on public.social_comments
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy social_comments_insert on public.social_comments
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy social_comments_update on public.social_comments
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy social_comments_delete on public.social_comments
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- social_mentions (tenant)
create table public.social_mentions (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  social_account_id uuid references public.social_accounts(id) on delete set null,
  author_handle text,
  content text not null,
  url text,
  sentiment text,
  mentioned_at timestamptz not null,
  created_at timestamptz not null default now()
);
create index social_mentions_organization_id_idx on public.social_mentions (organization_id);
create index social_mentions_social_account_id_idx on public.social_mentions (social_account_id);
comment on table public.social_mentions is 'Brand mentions found on social networks.';
alter table public.social_mentions enable row level security;
create policy social_mentions_select on public.social_mentions
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy social_mentions_insert on public.social_mentions
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy social_mentions_update on public.social_mentions
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy social_mentions_delete on public.social_mentions
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- ============================================================================
-- Analytics
-- ============================================================================

-- shopify_kpis (tenant)
create table public.shopify_kpis (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  shopify_store_id uuid not null references public.shopify_stores(id) on delete cascade,
  kpi_date date not null,
  sessions integer not null default 0,
  orders_count integer not null default 0,
  revenue numeric(14,2) not null default 0,
  conversion_rate numeric(6,4),
  average_order_value numeric(12,2),
  created_at timestamptz not null default now(),
  unique (organization_id, shopify_store_id, kpi_date)
);
create index shopify_kpis_shopify_store_id_idx on public.shopify_kpis (shopify_store_id);
comment on table public.shopify_kpis is 'Daily KPIs per Shopify store.';
alter table public.shopify_kpis enable row level security;
create policy shopify_kpis_select on public.shopify_kpis
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy shopify_kpis_insert on public.shopify_kpis
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy shopify_kpis_update on public.shopify_kpis
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy shopify_kpis_delete on public.shopify_kpis
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- sales_analytics (tenant)
create table public.sales_analytics (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  period_start date not null,
  period_end date not null,
  channel text not null,
  revenue numeric(14,2) not null default 0,
  orders_count integer not null default 0,
  refunds_total numeric(14,2) not null default 0,
  computed_at timestamptz not null default now(),
  check (period_end >= period_start)
);
create index sales_analytics_period_idx on public.sales_analytics (organization_id, period_start desc);
comment on table public.sales_analytics is 'Aggregated sales metrics per period and channel.';
alter table public.sales_analytics enable row level security;
create policy sales_analytics_select on public.sales_analytics
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy sales_analytics_insert on public.sales_analytics
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy sales_analytics_update on public.sales_analytics
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy sales_analytics_delete on public.sales_analytics
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- customer_analytics (tenant)
create table public.customer_analytics (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  period_start date not null,
  period_end date not null,
  new_customers integer not null default 0,
  returning_customers integer not null default 0,
  churned_customers integer not null default 0,
  repeat_rate numeric(6,4),
  computed_at timestamptz not null default now(),
  check (period_end >= period_start)
);
create index customer_analytics_period_idx on public.customer_analytics (organization_id, period_start desc);
comment on table public.customer_analytics is 'Aggregated customer acquisition/retention metrics per period.';
alter table public.customer_analytics enable row level security;
create policy customer_analytics_select on public.customer_analytics
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy customer_analytics_insert on public.customer_analytics
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy customer_analytics_update on public.customer_analytics
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy customer_analytics_delete on public.customer_analytics
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- chat_analytics (tenant)
create table public.chat_analytics (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  period_start date not null,
  period_end date not null,
  chats_opened integer not null default 0,
  chats_closed integer not null default 0,
  median_first_response_seconds integer,
  messages_sent integer not null default 0,
  computed_at timestamptz not null default now(),
  check (period_end >= period_start)
);
create index chat_analytics_period_idx on public.chat_analytics (organization_id, period_start desc);
comment on table public.chat_analytics is 'Aggregated messaging metrics per period.';
alter table public.chat_analytics enable row level security;
create policy chat_analytics_select on public.chat_analytics
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy chat_analytics_insert on public.chat_analytics
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy chat_analytics_update on public.chat_analytics
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy chat_analytics_delete on public.chat_analytics
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- call_analytics (tenant)
create table public.call_analytics (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  period_start date not null,
  period_end date not null,
  calls_inbound integer not null default 0,
  calls_outbound integer not null default 0,
  calls_missed integer not null default 0,
  average_handle_seconds integer,
  computed_at timestamptz not null default now(),
  check (period_end >= period_start)
);
create index call_analytics_period_idx on public.call_analytics (organization_id, period_start desc);
comment on table public.call_analytics is 'Aggregated call-centre metrics per period.';
alter table public.call_analytics enable row level security;
create policy call_analytics_select on public.call_analytics
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy call_analytics_insert on public.call_analytics
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy call_analytics_update on public.call_analytics
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy call_analytics_delete on public.call_analytics
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- inventory_analytics (tenant)
create table public.inventory_analytics (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  period_start date not null,
  period_end date not null,
  stockout_count integer not null default 0,
  inventory_value numeric(14,2) not null default 0,
  turnover_ratio numeric(8,4),
  computed_at timestamptz not null default now(),
  check (period_end >= period_start)
);
create index inventory_analytics_period_idx on public.inventory_analytics (organization_id, period_start desc);
comment on table public.inventory_analytics is 'Aggregated stock metrics (turnover, stock-outs) per period.';
alter table public.inventory_analytics enable row level security;
create policy inventory_analytics_select on public.inventory_analytics
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_analytics_insert on public.inventory_analytics
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_analytics_update on public.inventory_analytics
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_analytics_delete on public.inventory_analytics
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- marketing_analytics (tenant)
create table public.marketing_analytics (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  period_start date not null,
  period_end date not null,
  channel text not null,
  spend numeric(14,2) not null default 0,
  attributed_revenue numeric(14,2) not null default 0,
  leads integer not null default 0,
  computed_at timestamptz not null default now(),
  check (period_end >= period_start)
);
create index marketing_analytics_period_idx on public.marketing_analytics (organization_id, period_start desc);
comment on table public.marketing_analytics is 'Aggregated marketing spend and return per period and channel.';
alter table public.marketing_analytics enable row level security;
create policy marketing_analytics_select on public.marketing_analytics
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy marketing_analytics_insert on public.marketing_analytics
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy marketing_analytics_update on public.marketing_analytics
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy marketing_analytics_delete on public.marketing_analytics
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- ============================================================================
-- Automation
-- ============================================================================

-- automation_rules (tenant)
create table public.automation_rules (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  name text not null,
  trigger_event text not null,
  conditions jsonb not null default '{}'::jsonb,
  is_active boolean not null default true,
  priority integer not null default 0,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index automation_rules_organization_id_idx on public.automation_rules (organization_id);
comment on table public.automation_rules is 'Workflow automation rules (trigger -> conditions -> actions).';
create trigger automation_rules_set_updated_at before update on public.automation_rules
  for each row execute function public.set_updated_at();
alter table public.automation_rules enable row level security;
create policy automation_rules_select on public.automation_rules
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy automation_rules_insert on public.automation_rules
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy automation_rules_update on public.automation_rules
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy automation_rules_delete on public.automation_rules
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- automation_triggers (tenant)
create table public.automation_triggers (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  rule_id uuid not null references public.automation_rules(id) on delete cascade,
  event_type text not null,
  filter jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
create index automation_triggers_organization_id_idx on public.automation_triggers (organization_id);
create index automation_triggers_rule_id_idx on public.automation_triggers (rule_id);
comment on table public.automation_triggers is 'Events that start an automation rule.';
alter table public.automation_triggers enable row level security;
create policy automation_triggers_select on public.automation_triggers
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy automation_triggers_insert on public.automation_triggers
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy automation_triggers_update on public.automation_triggers
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy automation_triggers_delete on public.automation_triggers
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- automation_actions (tenant)
create table public.automation_actions (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  rule_id uuid not null references public.automation_rules(id) on delete cascade,
  position integer not null,
  action_type text not null,
  config jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (rule_id, position)
);
create index automation_actions_organization_id_idx on public.automation_actions (organization_id);
comment on table public.automation_actions is 'Ordered actions executed by an automation rule.';
create trigger automation_actions_set_updated_at before update on public.automation_actions
  for each row execute function public.set_updated_at();
alter table public.automation_actions enable row level security;
create policy automation_actions_select on public.automation_actions
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy automation_actions_insert on public.automation_actions
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy automation_actions_update on public.automation_actions
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy automation_actions_delete on public.automation_actions
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- automation_runs (tenant)
create table public.automation_runs (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  rule_id uuid not null references public.automation_rules(id) on delete cascade,
  status text not null default 'running' check (status in ('running', 'succeeded', 'failed', 'skipped')),
  context jsonb not null default '{}'::jsonb,
  error text,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  created_at timestamptz not null default now()
);
create index automation_runs_rule_id_idx on public.automation_runs (rule_id);
create index automation_runs_rule_started_idx on public.automation_runs (organization_id, rule_id, started_at desc);
comment on table public.automation_runs is 'Executions of automation rules.';
alter table public.automation_runs enable row level security;
create policy automation_runs_select on public.automation_runs
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy automation_runs_insert on public.automation_runs
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy automation_runs_update on public.automation_runs
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy automation_runs_delete on public.automation_runs
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- automation_run_steps (child, scoped through automation_runs.id via automation_run_id)
create table public.automation_run_steps (
  id uuid primary key default gen_random_uuid(),
  automation_run_id uuid not null references public.automation_runs(id) on delete cascade,
  action_id uuid references public.automation_actions(id) on delete set null,
  position integer not null,
  status text not null,
  output jsonb,
  started_at timestamptz,
  finished_at timestamptz,
  created_at timestamptz not null default now()
);
create index automation_run_steps_automation_run_id_idx on public.automation_run_steps (automation_run_id);
create index automation_run_steps_action_id_idx on public.automation_run_steps (action_id);
comment on table public.automation_run_steps is 'Per-action results of an automation run; scoped through automation_runs.';
alter table public.automation_run_steps enable row level security;
create policy automation_run_steps_select on public.automation_run_steps
  for select to authenticated
  using (exists (select 1 from public.automation_runs ar where ar.id = automation_run_steps.automation_run_id and ar.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy automation_run_steps_insert on public.automation_run_steps
  for insert to authenticated
  with check (exists (select 1 from public.automation_runs ar where ar.id = automation_run_steps.automation_run_id and ar.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy automation_run_steps_update on public.automation_run_steps
  for update to authenticated
  using (exists (select 1 from public.automation_runs ar where ar.id = automation_run_steps.automation_run_id and ar.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid))
  with check (exists (select 1 from public.automation_runs ar where ar.id = automation_run_steps.automation_run_id and ar.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy automation_run_steps_delete on public.automation_run_steps
  for delete to authenticated
  using (exists (select 1 from public.automation_runs ar where ar.id = automation_run_steps.automation_run_id and ar.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));

-- cron_jobs (tenant)
create table public.cron_jobs (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  name text not null,
  schedule text not null,
  command jsonb not null,
  is_active boolean not null default true,
  last_run_at timestamptz,
  next_run_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index cron_jobs_organization_id_idx on public.cron_jobs (organization_id);
create index cron_jobs_due_idx on public.cron_jobs (next_run_at) where is_active;
comment on table public.cron_jobs is 'Scheduled jobs defined by an organization.';
create trigger cron_jobs_set_updated_at before update on public.cron_jobs
  for each row execute function public.set_updated_at();
alter table public.cron_jobs enable row level security;
create policy cron_jobs_select on public.cron_jobs
  for select to authenticated
  using (organization_id = (auth.jwt() -> 'app_metadata' ->> 'organization_id')::uuid);
create policy cron_jobs_insert on public.cron_jobs
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy cron_jobs_update on public.cron_jobs
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy cron_jobs_delete on public.cron_jobs
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- cron_job_runs (tenant)
create table public.cron_job_runs (
  id bigint generated always as identity primary key,
  organization_id uuid not null references public.organizations(id) on delete cascade,
  cron_job_id uuid not null references public.cron_jobs(id) on delete cascade,
  status text not null,
  output text,
  started_at timestamptz not null default now(),
  finished_at timestamptz
);
create index cron_job_runs_organization_id_idx on public.cron_job_runs (organization_id);
create index cron_job_runs_cron_job_id_idx on public.cron_job_runs (cron_job_id);
comment on table public.cron_job_runs is 'Execution history of cron jobs.';
alter table public.cron_job_runs enable row level security;
create policy cron_job_runs_select on public.cron_job_runs
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy cron_job_runs_insert on public.cron_job_runs
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy cron_job_runs_update on public.cron_job_runs
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy cron_job_runs_delete on public.cron_job_runs
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- ============================================================================
-- Platform
-- ============================================================================

-- profiles (tenant)
create table public.profiles (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  user_id uuid not null unique,
  full_name text,
  avatar_url text,
  phone text,
  job_title text,
  preferences jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index profiles_organization_id_idx on public.profiles (organization_id);
comment on table public.profiles is 'User profile of a member within an organization.';
create trigger profiles_set_updated_at before update on public.profiles
  for each row execute function public.set_updated_at();
alter table public.profiles enable row level security;
create policy profiles_select on public.profiles
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy profiles_insert on public.profiles
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy profiles_update on public.profiles
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy profiles_delete on public.profiles
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- user_sessions (tenant)
create table public.user_sessions (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  user_id uuid not null,
  ip_address inet,
  user_agent text,
  started_at timestamptz not null default now(),
  last_seen_at timestamptz,
  ended_at timestamptz
);
create index user_sessions_active_idx on public.user_sessions (organization_id, user_id) where ended_at is null;
comment on table public.user_sessions is 'Login sessions of users (for the security page).';
alter table public.user_sessions enable row level security;
create policy user_sessions_select on public.user_sessions
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy user_sessions_insert on public.user_sessions
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy user_sessions_update on public.user_sessions
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy user_sessions_delete on public.user_sessions
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- platform_subscriptions (tenant)
create table public.platform_subscriptions (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  plan_id uuid not null references public.platform_plans(id) on delete restrict,
  status text not null default 'active' check (status in ('trialing', 'active', 'past_due', 'cancelled')),
  current_period_start timestamptz not null,
  current_period_end timestamptz not null,
  cancel_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (current_period_end > current_period_start)
);
create index platform_subscriptions_organization_id_idx on public.platform_subscriptions (organization_id);
create index platform_subscriptions_plan_id_idx on public.platform_subscriptions (plan_id);
comment on table public.platform_subscriptions is 'The organization''s subscription to a platform plan.';
create trigger platform_subscriptions_set_updated_at before update on public.platform_subscriptions
  for each row execute function public.set_updated_at();
alter table public.platform_subscriptions enable row level security;
create policy platform_subscriptions_select on public.platform_subscriptions
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy platform_subscriptions_insert on public.platform_subscriptions
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy platform_subscriptions_update on public.platform_subscriptions
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy platform_subscriptions_delete on public.platform_subscriptions
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- platform_audit_logs (tenant)
create table public.platform_audit_logs (
  id bigint generated always as identity primary key,
  organization_id uuid not null references public.organizations(id) on delete cascade,
  actor_id uuid,
  action text not null,
  target_type text,
  target_id uuid,
  diff jsonb,
  ip_address inet,
  created_at timestamptz not null default now()
);
create index platform_audit_logs_created_idx on public.platform_audit_logs (organization_id, created_at desc);
comment on table public.platform_audit_logs is 'Security audit log of actions taken inside an organization.';
alter table public.platform_audit_logs enable row level security;
create policy platform_audit_logs_select on public.platform_audit_logs
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy platform_audit_logs_insert on public.platform_audit_logs
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy platform_audit_logs_update on public.platform_audit_logs
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy platform_audit_logs_delete on public.platform_audit_logs
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- platform_usage_records (tenant)
create table public.platform_usage_records (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  metric text not null,
  period date not null,
  quantity bigint not null default 0 check (quantity >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, metric, period)
);
comment on table public.platform_usage_records is 'Metered usage per organization and billing period.';
create trigger platform_usage_records_set_updated_at before update on public.platform_usage_records
  for each row execute function public.set_updated_at();
alter table public.platform_usage_records enable row level security;
create policy platform_usage_records_select on public.platform_usage_records
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy platform_usage_records_insert on public.platform_usage_records
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy platform_usage_records_update on public.platform_usage_records
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy platform_usage_records_delete on public.platform_usage_records
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- ============================================================================
-- AI
-- ============================================================================

-- ai_agents (tenant)
create table public.ai_agents (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  name text not null,
  model text not null,
  system_prompt text,
  temperature numeric(3,2) not null default 0.2 check (temperature between 0 and 2),
  tools jsonb not null default '[]'::jsonb,
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index ai_agents_organization_id_idx on public.ai_agents (organization_id);
comment on table public.ai_agents is 'Configured AI assistants (model, prompt, tools).';
create trigger ai_agents_set_updated_at before update on public.ai_agents
  for each row execute function public.set_updated_at();
alter table public.ai_agents enable row level security;
create policy ai_agents_select on public.ai_agents
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy ai_agents_insert on public.ai_agents
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy ai_agents_update on public.ai_agents
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy ai_agents_delete on public.ai_agents
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- ai_prompts (tenant)
create table public.ai_prompts (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  name text not null,
  version integer not null default 1,
  template text not null,
  variables text[] not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, name, version)
);
comment on table public.ai_prompts is 'Versioned prompt templates.';
create trigger ai_prompts_set_updated_at before update on public.ai_prompts
  for each row execute function public.set_updated_at();
alter table public.ai_prompts enable row level security;
create policy ai_prompts_select on public.ai_prompts
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy ai_prompts_insert on public.ai_prompts
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy ai_prompts_update on public.ai_prompts
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy ai_prompts_delete on public.ai_prompts
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- ai_conversations (tenant)
create table public.ai_conversations (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  agent_id uuid not null references public.ai_agents(id) on delete cascade,
  chat_id uuid references public.chats(id) on delete set null,
  status text not null default 'active',
  token_count integer not null default 0,
  started_at timestamptz not null default now(),
  ended_at timestamptz,
  created_at timestamptz not null default now()
);
create index ai_conversations_organization_id_idx on public.ai_conversations (organization_id);
create index ai_conversations_agent_id_idx on public.ai_conversations (agent_id);
create index ai_conversations_chat_id_idx on public.ai_conversations (chat_id);
comment on table public.ai_conversations is 'Conversations handled by an AI agent.';
alter table public.ai_conversations enable row level security;
create policy ai_conversations_select on public.ai_conversations
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy ai_conversations_insert on public.ai_conversations
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy ai_conversations_update on public.ai_conversations
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy ai_conversations_delete on public.ai_conversations
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- ai_usage_logs (tenant)
create table public.ai_usage_logs (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  agent_id uuid references public.ai_agents(id) on delete set null,
  model text not null,
  prompt_tokens integer not null default 0,
  completion_tokens integer not null default 0,
  cost_usd numeric(12,6) not null default 0,
  created_at timestamptz not null default now()
);
create index ai_usage_logs_agent_id_idx on public.ai_usage_logs (agent_id);
create index ai_usage_logs_created_idx on public.ai_usage_logs (organization_id, created_at desc);
comment on table public.ai_usage_logs is 'Token usage and cost per AI request.';
alter table public.ai_usage_logs enable row level security;
create policy ai_usage_logs_select on public.ai_usage_logs
  for select to authenticated
  using (organization_id::text = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id'));
create policy ai_usage_logs_insert on public.ai_usage_logs
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy ai_usage_logs_update on public.ai_usage_logs
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy ai_usage_logs_delete on public.ai_usage_logs
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- ai_knowledge_bases (tenant)
create table public.ai_knowledge_bases (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  name text not null,
  description text,
  source_type text not null default 'upload',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index ai_knowledge_bases_organization_id_idx on public.ai_knowledge_bases (organization_id);
comment on table public.ai_knowledge_bases is 'Knowledge bases used for retrieval-augmented answers.';
create trigger ai_knowledge_bases_set_updated_at before update on public.ai_knowledge_bases
  for each row execute function public.set_updated_at();
alter table public.ai_knowledge_bases enable row level security;
create policy ai_knowledge_bases_select on public.ai_knowledge_bases
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy ai_knowledge_bases_insert on public.ai_knowledge_bases
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy ai_knowledge_bases_update on public.ai_knowledge_bases
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy ai_knowledge_bases_delete on public.ai_knowledge_bases
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- embeddings_documents (tenant)
create table public.embeddings_documents (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  knowledge_base_id uuid not null references public.ai_knowledge_bases(id) on delete cascade,
  title text not null,
  source_url text,
  content_hash text not null,
  token_count integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (knowledge_base_id, content_hash)
);
create index embeddings_documents_organization_id_idx on public.embeddings_documents (organization_id);
comment on table public.embeddings_documents is 'Documents ingested into a knowledge base.';
create trigger embeddings_documents_set_updated_at before update on public.embeddings_documents
  for each row execute function public.set_updated_at();
alter table public.embeddings_documents enable row level security;
create policy embeddings_documents_select on public.embeddings_documents
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy embeddings_documents_insert on public.embeddings_documents
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy embeddings_documents_update on public.embeddings_documents
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy embeddings_documents_delete on public.embeddings_documents
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- embeddings_chunks (child, scoped through embeddings_documents.id via document_id)
create table public.embeddings_chunks (
  id uuid primary key default gen_random_uuid(),
  document_id uuid not null references public.embeddings_documents(id) on delete cascade,
  chunk_index integer not null,
  content text not null,
  embedding real[],
  token_count integer not null default 0,
  created_at timestamptz not null default now(),
  unique (document_id, chunk_index)
);
comment on table public.embeddings_chunks is 'Chunks and their embedding vectors; scoped through embeddings_documents.';
alter table public.embeddings_chunks enable row level security;
create policy embeddings_chunks_select on public.embeddings_chunks
  for select to authenticated
  using (exists (select 1 from public.embeddings_documents ed where ed.id = embeddings_chunks.document_id and ed.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy embeddings_chunks_insert on public.embeddings_chunks
  for insert to authenticated
  with check (exists (select 1 from public.embeddings_documents ed where ed.id = embeddings_chunks.document_id and ed.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy embeddings_chunks_update on public.embeddings_chunks
  for update to authenticated
  using (exists (select 1 from public.embeddings_documents ed where ed.id = embeddings_chunks.document_id and ed.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid))
  with check (exists (select 1 from public.embeddings_documents ed where ed.id = embeddings_chunks.document_id and ed.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy embeddings_chunks_delete on public.embeddings_chunks
  for delete to authenticated
  using (exists (select 1 from public.embeddings_documents ed where ed.id = embeddings_chunks.document_id and ed.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));

-- annotations_tasks (tenant)
create table public.annotations_tasks (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  name text not null,
  instructions text,
  status text not null default 'open',
  assigned_to uuid,
  due_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index annotations_tasks_organization_id_idx on public.annotations_tasks (organization_id);
comment on table public.annotations_tasks is 'Human annotation tasks for AI training data.';
create trigger annotations_tasks_set_updated_at before update on public.annotations_tasks
  for each row execute function public.set_updated_at();
alter table public.annotations_tasks enable row level security;
create policy annotations_tasks_select on public.annotations_tasks
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy annotations_tasks_insert on public.annotations_tasks
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy annotations_tasks_update on public.annotations_tasks
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy annotations_tasks_delete on public.annotations_tasks
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- annotations_labels (tenant)
create table public.annotations_labels (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  task_id uuid not null references public.annotations_tasks(id) on delete cascade,
  target_type text not null,
  target_id uuid not null,
  label text not null,
  confidence numeric(4,3) check (confidence between 0 and 1),
  created_by uuid,
  created_at timestamptz not null default now()
);
create index annotations_labels_organization_id_idx on public.annotations_labels (organization_id);
create index annotations_labels_task_id_idx on public.annotations_labels (task_id);
comment on table public.annotations_labels is 'Labels produced by annotators.';
alter table public.annotations_labels enable row level security;
create policy annotations_labels_select on public.annotations_labels
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy annotations_labels_insert on public.annotations_labels
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy annotations_labels_update on public.annotations_labels
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy annotations_labels_delete on public.annotations_labels
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- ============================================================================
-- Competition
-- ============================================================================

-- competition_competitors (tenant)
create table public.competition_competitors (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  name text not null,
  website text,
  notes text,
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, name)
);
comment on table public.competition_competitors is 'Competitors tracked for market intelligence.';
create trigger competition_competitors_set_updated_at before update on public.competition_competitors
  for each row execute function public.set_updated_at();
alter table public.competition_competitors enable row level security;
create policy competition_competitors_select on public.competition_competitors
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy competition_competitors_insert on public.competition_competitors
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy competition_competitors_update on public.competition_competitors
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy competition_competitors_delete on public.competition_competitors
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- competition_products (tenant)
create table public.competition_products (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  competitor_id uuid not null references public.competition_competitors(id) on delete cascade,
  name text not null,
  url text,
  inventory_item_id uuid references public.inventory_items(id) on delete set null,
  last_price numeric(12,2),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index competition_products_organization_id_idx on public.competition_products (organization_id);
create index competition_products_competitor_id_idx on public.competition_products (competitor_id);
create index competition_products_inventory_item_id_idx on public.competition_products (inventory_item_id);
comment on table public.competition_products is 'Competitor products matched against own SKUs.';
create trigger competition_products_set_updated_at before update on public.competition_products
  for each row execute function public.set_updated_at();
alter table public.competition_products enable row level security;
create policy competition_products_select on public.competition_products
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy competition_products_insert on public.competition_products
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy competition_products_update on public.competition_products
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy competition_products_delete on public.competition_products
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- competition_price_snapshots (tenant)
create table public.competition_price_snapshots (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  competition_product_id uuid not null references public.competition_products(id) on delete cascade,
  price numeric(12,2) not null,
  currency char(3) not null default 'USD',
  in_stock boolean,
  captured_at timestamptz not null default now()
);
create index competition_price_snapshots_organization_id_idx on public.competition_price_snapshots (organization_id);
create index competition_price_snapshots_competition_product_id_idx on public.competition_price_snapshots (competition_product_id);
comment on table public.competition_price_snapshots is 'Observed competitor prices over time.';
alter table public.competition_price_snapshots enable row level security;
create policy competition_price_snapshots_select on public.competition_price_snapshots
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy competition_price_snapshots_insert on public.competition_price_snapshots
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy competition_price_snapshots_update on public.competition_price_snapshots
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy competition_price_snapshots_delete on public.competition_price_snapshots
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- competition_alerts (tenant)
create table public.competition_alerts (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  competition_product_id uuid not null references public.competition_products(id) on delete cascade,
  alert_type text not null check (alert_type in ('price_drop', 'price_rise', 'out_of_stock', 'back_in_stock')),
  threshold numeric(12,2),
  triggered_at timestamptz,
  acknowledged_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index competition_alerts_organization_id_idx on public.competition_alerts (organization_id);
create index competition_alerts_competition_product_id_idx on public.competition_alerts (competition_product_id);
comment on table public.competition_alerts is 'Alerts on competitor price or stock changes.';
create trigger competition_alerts_set_updated_at before update on public.competition_alerts
  for each row execute function public.set_updated_at();
alter table public.competition_alerts enable row level security;
create policy competition_alerts_select on public.competition_alerts
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy competition_alerts_insert on public.competition_alerts
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy competition_alerts_update on public.competition_alerts
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy competition_alerts_delete on public.competition_alerts
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- competition_reports (tenant)
create table public.competition_reports (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  period_start date not null,
  period_end date not null,
  summary jsonb not null default '{}'::jsonb,
  generated_at timestamptz not null default now()
);
create index competition_reports_organization_id_idx on public.competition_reports (organization_id);
comment on table public.competition_reports is 'Periodic competition reports.';
alter table public.competition_reports enable row level security;
create policy competition_reports_select on public.competition_reports
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy competition_reports_insert on public.competition_reports
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy competition_reports_update on public.competition_reports
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy competition_reports_delete on public.competition_reports
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- competition_keywords (tenant)
create table public.competition_keywords (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  keyword text not null,
  search_volume integer,
  rank integer,
  tracked_since date not null default current_date,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, keyword)
);
comment on table public.competition_keywords is 'Search keywords tracked against competitors.';
create trigger competition_keywords_set_updated_at before update on public.competition_keywords
  for each row execute function public.set_updated_at();
alter table public.competition_keywords enable row level security;
create policy competition_keywords_select on public.competition_keywords
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy competition_keywords_insert on public.competition_keywords
  for insert to authenticated
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy competition_keywords_update on public.competition_keywords
  for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy competition_keywords_delete on public.competition_keywords
  for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- ============================================================================
-- Views and materialized views
-- ============================================================================

-- Tenant-facing view: security_invoker, so the caller's RLS on orders,
-- customers and order_items applies. security_invoker exists from
-- PostgreSQL 15; the option is set below when available (on 13/14 the view is
-- withheld from the app roles instead, see the grants section).
create view public.orders_summary as
select
  o.id,
  o.organization_id,
  o.order_number,
  o.status,
  o.currency,
  o.grand_total,
  o.placed_at,
  c.id as customer_id,
  concat_ws(' ', c.first_name, c.last_name) as customer_name,
  count(oi.id) as item_count,
  coalesce(sum(oi.quantity), 0) as unit_count
from public.orders o
left join public.customers c on c.id = o.customer_id
left join public.order_items oi on oi.order_id = o.id
group by o.id, c.id;
do $$
begin
  if current_setting('server_version_num')::int >= 150000 then
    execute 'alter view public.orders_summary set (security_invoker = true)';
  end if;
end
$$;
comment on view public.orders_summary is 'One row per order with customer name and item counts (security_invoker).';

-- Plain view (no security_invoker): it runs with the owner's rights and so
-- bypasses RLS. It is therefore granted to service_role only, never to anon or
-- authenticated.
create view public.customer_directory as
select
  c.id,
  c.organization_id,
  c.first_name,
  c.last_name,
  c.email,
  c.phone,
  c.company,
  c.created_at
from public.customers c
where c.deleted_at is null;
comment on view public.customer_directory is 'Back-office directory of live customers across organizations; service_role only.';

create materialized view public.order_daily_totals as
select
  o.organization_id,
  (o.placed_at at time zone 'UTC')::date as order_date,
  count(*) as order_count,
  sum(o.grand_total) as revenue
from public.orders o
where o.cancelled_at is null
group by o.organization_id, (o.placed_at at time zone 'UTC')::date
with data;
create unique index order_daily_totals_organization_id_order_date_idx
  on public.order_daily_totals (organization_id, order_date);
comment on materialized view public.order_daily_totals is 'Daily order count and revenue per organization (UTC days); refreshed by a cron job, service_role only.';

-- ============================================================================
-- Grants
-- ============================================================================
-- Everything above was granted ALL to anon, authenticated and service_role by
-- the default privileges (see the top of the file). These are the revokes a
-- careful team writes on top: what RLS cannot protect, and what is read-only.

-- Global tables are read-only for the app (their policies allow SELECT only;
-- the revoke says so in the grants too).
revoke insert, update, delete, truncate on
  public.platform_plans,
  public.platform_feature_flags,
  public.platform_settings,
  public.platform_announcements
  from anon, authenticated;

-- Partitions are reached through their parent only: read directly, a
-- partition's own RLS applies, not the parent's policies.
revoke all on
  public.message_events_2025_01,
  public.message_events_2025_02,
  public.message_events_2025_03,
  public.message_events_default
  from anon, authenticated;

-- Views: orders_summary is read-only; the plain view and the materialized
-- view bypass RLS and stay with service_role.
revoke insert, update, delete, truncate on public.orders_summary from anon, authenticated;
revoke all on public.customer_directory from anon, authenticated;
revoke all on public.order_daily_totals from anon, authenticated;

-- Without security_invoker (PostgreSQL 13/14) orders_summary would bypass RLS.
do $$
begin
  if current_setting('server_version_num')::int < 150000 then
    execute 'revoke all on public.orders_summary from anon, authenticated';
  end if;
end
$$;
