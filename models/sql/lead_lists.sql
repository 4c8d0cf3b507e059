-- name: create_import_keys
-- Purpose: per-transaction staging of a file's keys for one set-based match.
-- Side effects: creates a temporary table, dropped at commit.
create temp table if not exists import_keys (
    row_number integer not null, kind key_kind not null, key text not null
) on commit drop

-- name: create_import_blocks
-- Purpose: per-transaction staging of a file's name blocks (head and tail of the name key).
-- Side effects: creates a temporary table, dropped at commit.
create temp table if not exists import_blocks (
    row_number integer not null, head text not null, tail text not null, size integer not null
) on commit drop

-- name: empty_staging
-- Purpose: an earlier match in the same transaction leaves nothing behind.
-- Side effects: empties the two staging tables.
truncate import_keys, import_blocks

-- name: exact_candidates
-- Purpose: clients sharing an exact key with a file row. A key held by very many clients (a
-- call centre's number) says little and is capped, so one row cannot pull in half the base.
-- Side effects: none.
select s.row_number, k.organisation_id, k.person_id
from import_keys as s
cross join lateral (
    select c.organisation_id, c.person_id
    from client_keys as c
    where c.kind = s.kind and c.key = s.key
    limit 50
) as k

-- name: block_candidates
-- Purpose: organisations whose name key starts or ends like a file row's and is about as long
-- (a typo changes the length by a letter or two), for fuzzy names.
-- Side effects: none.
select s.row_number, k.organisation_id, k.key
from import_blocks as s
cross join lateral (
    select c.organisation_id, c.key
    from client_keys as c
    where c.kind = 'org_name' and left(c.key, 5) = s.head
      and abs(length(c.key) - s.size) <= 2
    limit 50
) as k
union
select s.row_number, k.organisation_id, k.key
from import_blocks as s
cross join lateral (
    select c.organisation_id, c.key
    from client_keys as c
    where c.kind = 'org_name' and name_tail(c.key) = s.tail
      and abs(length(c.key) - s.size) <= 2
    limit 50
) as k

-- name: organisations_by_id
-- Purpose: the details the matcher compares, for candidate organisations, with the name key
-- and company domains already stored, so the base is not normalised again.
-- Side effects: none.
select
    o.organisation_id, o.name, o.tax_id, o.phones, o.emails, o.website, o.city, o.address,
    o.external_id, o.legal_form,
    (
        select min(k.key) from client_keys as k
        where k.organisation_id = o.organisation_id and k.kind = 'org_name'
    ) as name_key,
    array(
        select k.key from client_keys as k
        where k.organisation_id = o.organisation_id and k.kind = 'domain'
          and k.person_id is null
    ) as domains
from organisations as o
where o.organisation_id = any(:ids)

-- name: persons_by_id
-- Purpose: the details the matcher compares, for candidate persons.
-- Side effects: none.
select person_id, first_name, middle_name, last_name, birth_date, tax_id, phones, emails, city,
    external_id
from persons
where person_id = any(:ids)

-- name: holders
-- Purpose: for matched clients, their open leads (any line) with owner, since and stage, and
-- whether the client is marked do-not-contact; the decision picks the lead of the import's line.
-- Side effects: none.
select
    l.organisation_id, l.person_id, l.line_id, l.lead_id, l.owner_id, l.owned_since,
    s.name as stage, e.full_name as owner_name, e.is_active as owner_active
from leads as l
join sales_stages as s on s.stage_id = l.stage_id
left join employees as e on e.employee_id = l.owner_id
where l.status = 'open'
  and (l.organisation_id = any(:org_ids) or l.person_id = any(:person_ids))

-- name: suppressed_clients
-- Purpose: clients and addresses that must not be contacted, among the given ones.
-- Side effects: none.
select organisation_id, person_id, email, reason
from suppressions
where organisation_id = any(:org_ids)
   or person_id = any(:person_ids)
   or email = any(:emails)

-- name: reserve_ids
-- Purpose: :n identity values of one table's id column, so rows written with COPY can refer
-- to each other (a lead to its new organisation) in the same transaction.
-- Side effects: advances the sequence.
select nextval(pg_get_serial_sequence(:table, :column)) from generate_series(1, :n)

-- name: first_stage
-- Purpose: the stage a new lead of a line starts in.
-- Side effects: none.
select stage_id from sales_stages
where line_id = :line_id and not is_won and not is_lost
order by position
limit 1

-- name: lock_line_imports
-- Purpose: one import per line at a time, so two runs cannot both create the same client.
-- Side effects: a transaction-scoped advisory lock.
select pg_advisory_xact_lock(hashtext('lead-import'), cast(:line_id as integer))

-- name: previous_batch
-- Purpose: the earlier import of the same file into the same line, if any.
-- Side effects: none.
select batch_id, created_at, rows_total, counts, decisions_path
from import_batches
where kind = :kind and line_id = :line_id and source_sha256 = :sha256 and not is_dry_run

-- name: tag_list_leads
-- Purpose: the leads an import created point at the list they came with.
-- Side effects: updates leads.source_list_id.
update leads set source_list_id = :list_id where lead_id = any(:ids)

-- name: find_employee
-- Purpose: an employee by e-mail or full name (case-insensitive), with whether they are an
-- active rep of the line.
-- Side effects: none.
select e.employee_id, e.full_name, e.is_active,
    exists (
        select 1 from employee_lines as el
        where el.employee_id = e.employee_id and el.line_id = :line_id and el.role = 'rep'
    ) as is_rep
from employees as e
where lower(e.email) = lower(:who) or lower(e.full_name) = lower(:who)
order by e.employee_id

-- name: employees_by_name_or_email
-- Purpose: every employee under both their e-mail and their full name, lower-cased, for an
-- owner column of a client-base export.
-- Side effects: none.
select lower(email) as handle, employee_id from employees
union all
select lower(full_name), employee_id from employees

-- name: employee_names
-- Purpose: names and addresses of the employees an import mentions.
-- Side effects: none.
select employee_id, full_name, email from employees where employee_id = any(:ids)

-- name: heads_of_line
-- Purpose: the active heads of sales of a line, who get every checked list of their line.
-- Side effects: none.
select e.employee_id, e.full_name, e.email
from employee_lines as el
join employees as e on e.employee_id = el.employee_id
where el.line_id = :line_id and el.role = 'head_of_sales' and e.is_active
order by e.employee_id

-- name: batch_receivers
-- Purpose: who received how many new leads from an import batch (the named rep of a dry run
-- receives none but still gets the list).
-- Side effects: none.
select e.employee_id, e.full_name, e.email, count(l.lead_id) as received
from import_batches as b
join import_rows as r on r.batch_id = b.batch_id and r.decision = 'new'
left join leads as l on l.lead_id = r.lead_id
join employees as e on e.employee_id = coalesce(l.owner_id, b.rep_id)
where b.batch_id = :batch_id
group by e.employee_id, e.full_name, e.email
order by e.employee_id

-- name: batch_summary
-- Purpose: an import batch with its line, for letters and artifacts.
-- Side effects: none.
select b.batch_id, b.line_id, bl.name as line, b.source_name, b.is_dry_run, b.rows_total,
    b.counts, b.decisions_path, cl.name as list_name
from import_batches as b
join business_lines as bl on bl.line_id = b.line_id
left join contact_lists as cl on cl.list_id = b.list_id
where b.batch_id = :batch_id

-- name: set_batch_outputs
-- Purpose: remember where the decisions file of a batch was written.
-- Side effects: updates import_batches.decisions_path.
update import_batches set decisions_path = :path where batch_id = :batch_id

-- name: move_leads
-- Purpose: give open leads (from the pool, or from an owner who left) to the reps of a warm
-- list, with their history rows, in one statement.
-- Side effects: updates leads.owner_id/owned_since, inserts ownership_changes.
with target as (
    select * from unnest(cast(:lead_ids as bigint[]), cast(:owner_ids as bigint[]))
        as t(lead_id, owner_id)
),

moved as (
    update leads as l
    set owner_id = t.owner_id, owned_since = now()
    from target as t, (select lead_id, owner_id as old_owner from leads) as old
    where l.lead_id = t.lead_id and old.lead_id = l.lead_id and l.status = 'open'
      and l.owner_id is distinct from t.owner_id
    returning l.lead_id, old.old_owner, t.owner_id
)

insert into ownership_changes (lead_id, from_owner_id, to_owner_id, reason, note)
select lead_id, old_owner, owner_id, 'assigned', :note from moved

-- name: list_named
-- Purpose: whether a contact list of this name exists (names are unique).
-- Side effects: none.
select list_id from contact_lists where name = :name

-- name: create_import_contacts
-- Purpose: per-transaction staging of the contact persons of a file's rows.
-- Side effects: creates a temporary table, dropped at commit.
create temp table if not exists import_contacts (
    row_number integer not null, organisation_id bigint, person_key text not null,
    contacts text [] not null
) on commit drop

-- name: empty_import_contacts
-- Purpose: an earlier write in the same transaction leaves nothing behind.
-- Side effects: empties the staging table.
truncate import_contacts

-- name: known_contacts
-- Purpose: persons of the base who may be a row's contact: the same surname and initial, and
-- either employed at the row's organisation already or sharing a phone or e-mail with the row.
-- Side effects: none.
select
    s.row_number, p.person_id, p.first_name, p.middle_name, p.last_name,
    exists (
        select 1 from employments as e
        where e.person_id = p.person_id and e.organisation_id = s.organisation_id
    ) as is_employed
from import_contacts as s
join client_keys as k
    on k.kind = 'person_name' and k.key = s.person_key and k.organisation_id is null
join persons as p on p.person_id = k.person_id
where exists (
    select 1 from employments as e
    where e.person_id = p.person_id and e.organisation_id = s.organisation_id
) or exists (
    select 1 from client_keys as c
    where c.person_id = p.person_id and c.kind in ('phone', 'email') and c.key = any(s.contacts)
)
order by s.row_number, p.person_id

-- name: claim_batch_letters
-- Purpose: take the sending of a batch's letters, once; returns the batch id when this run
-- is the one to send them.
-- Side effects: sets import_batches.notified_at.
update import_batches set notified_at = now()
where batch_id = :batch_id and notified_at is null
returning batch_id

-- name: release_batch_letters
-- Purpose: the letters could not be sent; the next run tries again.
-- Side effects: clears import_batches.notified_at.
update import_batches set notified_at = null where batch_id = :batch_id
