-- name: unkeyed_organisations
-- Purpose: organisations without keys yet (no org_name marker), with their employments'
-- work phones and e-mails, for tasks/client_keys.index_clients.
-- Side effects: none.
select
    o.organisation_id, o.name, o.tax_id, o.phones, o.emails, o.website,
    (
        select array_agg(array[e.person_id::text, e.work_phone, e.work_email])
        from employments as e
        where e.organisation_id = o.organisation_id
          and (e.work_phone is not null or e.work_email is not null)
    ) as work
from organisations as o
where not exists (
    select 1 from client_keys as k
    where k.organisation_id = o.organisation_id and k.kind = 'org_name'
)
order by o.organisation_id

-- name: unkeyed_persons
-- Purpose: persons without keys yet (no person_name marker and no other key of their own).
-- Side effects: none.
select
    p.person_id, p.first_name, p.middle_name, p.last_name, p.birth_date, p.tax_id,
    p.phones, p.emails
from persons as p
where not exists (
    select 1 from client_keys as k
    where k.person_id = p.person_id and k.organisation_id is null
)
order by p.person_id
