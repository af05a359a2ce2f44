-- A realistic bad migration, as typed into a production console on a Friday evening.
-- 1. A new tenant table, created without RLS (and granted to the API roles).
create table public.invoice_exports (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations(id) on delete cascade,
  file_url text not null,
  created_at timestamptz not null default now()
);
create index invoice_exports_org_idx on public.invoice_exports (organization_id);
grant select, insert, update, delete on public.invoice_exports to authenticated;

-- 2. A policy "temporarily" loosened to true to debug a support ticket.
alter policy orders_select on public.orders using (true);

-- 3. A column dropped that a reporting job still reads.
alter table public.customers drop column source;
