-- Nexus, deliberately broken
-- =================================================================
-- Apply ON TOP of nexus.sql. Plants tenant-isolation holes of the kind that
-- creep in through hurried migrations; each is tagged with the driftwatch rule
-- (see DESIGN.md, "Rule IDs") that should report it:
--     -- HOLE <n> [<rule-id>] ...
-- Some holes unavoidably trip a second rule as well; that is noted as
-- "also: <rule-id>".
-- Plain SQL only (no psql meta-commands); loads with ON_ERROR_STOP.
-- No GRANT is needed: nexus.sql sets Supabase's default privileges, so every
-- table, view and function created here is granted ALL to anon,
-- authenticated and service_role, as on a real project.
-- =================================================================

-- HOLE 1 [rls-disabled] a new tenant table shipped without ENABLE ROW LEVEL
-- SECURITY: it is tenant-shaped (organization_id NOT NULL, indexed) and granted
-- to the API roles (default privileges), so anyone can read every organization's
-- imports.
create table public.lead_import_batches (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  file_name text not null,
  row_count integer not null default 0,
  status text not null default 'pending',
  imported_by uuid,
  created_at timestamptz not null default now()
);
create index lead_import_batches_organization_id_idx on public.lead_import_batches (organization_id);
comment on table public.lead_import_batches is 'CSV lead imports.';

-- HOLE 2 [rls-disabled] RLS switched off on an existing table during a
-- "quick fix": its four policies still exist but are no longer enforced.
alter table public.order_tags disable row level security;

-- HOLE 3 [rls-no-policies] RLS on, every policy dropped: the app is silently
-- denied everything.
drop policy competition_alerts_select on public.competition_alerts;
drop policy competition_alerts_insert on public.competition_alerts;
drop policy competition_alerts_update on public.competition_alerts;
drop policy competition_alerts_delete on public.competition_alerts;

-- HOLE 4 [policy-command-uncovered] DELETE has no policy any more.
drop policy order_discounts_delete on public.order_discounts;

-- HOLE 5 [policy-not-tenant-scoped] SELECT loosened to USING (true).
drop policy chats_select on public.chats;
create policy chats_select on public.chats
  for select to authenticated
  using (true);

-- HOLE 6 [policy-not-tenant-scoped] tenant predicate neutralised by "OR true".
drop policy message_templates_select on public.message_templates;
create policy message_templates_select on public.message_templates
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid or true);

-- HOLE 7 [policy-not-tenant-scoped] "organization_id IS NOT NULL" instead of
-- comparing it to the claim.
drop policy lead_activities_select on public.lead_activities;
create policy lead_activities_select on public.lead_activities
  for select to authenticated
  using (organization_id is not null);

-- HOLE 8 [policy-not-tenant-scoped] compares another column (created_by) to
-- the organization claim.
drop policy order_notes_update on public.order_notes;
create policy order_notes_update on public.order_notes
  for update to authenticated
  using (created_by = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid)
  with check (created_by = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);

-- HOLE 9 [policy-not-tenant-scoped] anonymous read of a tenant table.
create policy shopify_products_select_anon on public.shopify_products
  for select to anon
  using (true);

-- HOLE 10 [policy-user-metadata] the tenant id is read from user_metadata,
-- which the user can edit (supabase.auth.updateUser).
drop policy customers_select on public.customers;
create policy customers_select on public.customers
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'user_metadata' ->> 'organization_id')::uuid);

-- HOLE 11 [tenant-column-missing] no organization_id and no foreign-key path to
-- a tenant-scoped parent; the policies only check that someone is logged in.
-- (also: policy-not-tenant-scoped)
create table public.webhook_deliveries (
  id uuid primary key default gen_random_uuid(),
  endpoint_url text not null,
  event_type text not null,
  payload jsonb not null,
  response_status integer,
  attempt integer not null default 1,
  delivered_at timestamptz,
  created_at timestamptz not null default now()
);
comment on table public.webhook_deliveries is 'Outbound webhook delivery attempts.';
alter table public.webhook_deliveries enable row level security;
create policy webhook_deliveries_select on public.webhook_deliveries
  for select to authenticated using ((select auth.uid()) is not null);
create policy webhook_deliveries_insert on public.webhook_deliveries
  for insert to authenticated with check ((select auth.uid()) is not null);
create policy webhook_deliveries_update on public.webhook_deliveries
  for update to authenticated using ((select auth.uid()) is not null)
  with check ((select auth.uid()) is not null);
create policy webhook_deliveries_delete on public.webhook_deliveries
  for delete to authenticated using ((select auth.uid()) is not null);

-- HOLE 12 [tenant-column-missing] the foreign key to the parent exists but is
-- NULLABLE, so nothing ties a row to a tenant: rows with order_id NULL belong
-- to nobody. A foreign key only scopes a child table when it is NOT NULL.
create table public.order_gift_messages (
  id uuid primary key default gen_random_uuid(),
  order_id uuid references public.orders(id) on delete cascade,
  recipient_name text,
  message text not null,
  created_at timestamptz not null default now()
);
create index order_gift_messages_order_id_idx on public.order_gift_messages (order_id);
alter table public.order_gift_messages enable row level security;
create policy order_gift_messages_select on public.order_gift_messages
  for select to authenticated
  using (exists (select 1 from public.orders o where o.id = order_gift_messages.order_id and o.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy order_gift_messages_insert on public.order_gift_messages
  for insert to authenticated
  with check (exists (select 1 from public.orders o where o.id = order_gift_messages.order_id and o.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy order_gift_messages_update on public.order_gift_messages
  for update to authenticated
  using (exists (select 1 from public.orders o where o.id = order_gift_messages.order_id and o.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid))
  with check (exists (select 1 from public.orders o where o.id = order_gift_messages.order_id and o.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));
create policy order_gift_messages_delete on public.order_gift_messages
  for delete to authenticated
  using (exists (select 1 from public.orders o where o.id = order_gift_messages.order_id and o.organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid));

-- HOLE 13 [tenant-column-nullable] organization_id may now be NULL.
alter table public.lead_scores alter column organization_id drop not null;

-- HOLE 14 [tenant-column-unindexed] the only index leading with
-- organization_id is dropped: every RLS check becomes a sequential scan.
drop index public.social_mentions_organization_id_idx;

-- HOLE 15 [view-bypasses-rls] a plain view (no security_invoker) over RLS
-- tables, readable by the API roles: it runs as its owner and returns every
-- organization's revenue.
create view public.order_revenue_by_customer as
select
  o.organization_id,
  c.id as customer_id,
  concat_ws(' ', c.first_name, c.last_name) as customer_name,
  count(*) as order_count,
  sum(o.grand_total) as revenue
from public.orders o
join public.customers c on c.id = o.customer_id
group by o.organization_id, c.id;

-- HOLE 16 [security-definer-function] SECURITY DEFINER in public, executable by
-- the API roles (and PUBLIC, the default), without a pinned search_path: it
-- bypasses RLS and can be hijacked through search_path.
create function public.search_customers(q text)
returns setof public.customers
language sql stable
security definer
as $$
  select * from public.customers
  where first_name ilike q or last_name ilike q or email ilike q
$$;

-- HOLE 17 [policy-initplan] auth.jwt() not wrapped in (select ...): evaluated
-- once per row instead of once per statement. Still tenant-scoped.
drop policy whatsapp_templates_select on public.whatsapp_templates;
create policy whatsapp_templates_select on public.whatsapp_templates
  for select to authenticated
  using (organization_id = (auth.jwt() -> 'app_metadata' ->> 'organization_id')::uuid);

-- HOLE 18 [multiple-permissive-policies] a second permissive SELECT policy for
-- authenticated on the same table (both tenant-scoped; they are OR-ed and both
-- evaluated for every row).
create policy inventory_items_select_active on public.inventory_items
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid and is_active);
