-- The schema of tests/data/snapshot-v1.json (written by driftwatch 0.x in format 1):
-- references of every kind format 2 rewrote (FK tables, partitions, INHERITS, trigger
-- functions, OWNED BY), names that need quotes, a function, a view with a trigger.
create schema "Odd Schema";
create table "Odd Schema"."User" (id serial primary key, "Name" text);
create table public.orders (id int primary key, user_id int references "Odd Schema"."User" (id));
create table public.parent (id int, at date) partition by range (at);
create table public.parent_2024 partition of public.parent
  for values from ('2024-01-01') to ('2025-01-01');
create table public.base (a int);
create table public.child (b int) inherits (public.base);
create function "Odd Schema".touch() returns trigger language plpgsql
  as $$ begin return new; end $$;
create trigger orders_touch before update on public.orders
  for each row execute function "Odd Schema".touch();
create view public.v as select id from public.orders;
create function public.v_ins() returns trigger language plpgsql as $$ begin return new; end $$;
create trigger v_ins instead of insert on public.v for each row execute function public.v_ins();
create function public."Select"(x int) returns int language sql as 'select x';
