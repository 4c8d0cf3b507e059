-- name: recipient_by_token
-- Purpose: whom a letter's unsubscribe link stands for, for the confirmation page: its e-mail
-- address, or for a paper letter (no address) its addressee's name. The token is looked up by
-- equality only, on its unique index. Other rows without an e-mail (recipients skipped for
-- having none) never carried a link and count as unknown, as do skipped paper rows.
-- Side effects: none.
select s.email, p.first_name, p.last_name
from campaign_sends as s
join campaigns as c on c.campaign_id = s.campaign_id
join persons as p on p.person_id = s.person_id
where s.unsubscribe_token = :token
  and (s.email is not null or (c.channel = 'paper' and s.status <> 'skipped'))

-- name: unsubscribe_by_token
-- Purpose: record that the recipient of one letter unsubscribed: one suppression for the
-- letter's address, naming the person and the campaign. ON CONFLICT (email) makes a repeated
-- click (or a mail client's retry) a no-op; an address already suppressed for another reason
-- (a bounce) stays as it is. A paper letter (its link printed, no e-mail address) suppresses
-- its person: suppressions have no unique key on persons, so NOT EXISTS keeps that to one
-- row, and only a bounce (about an e-mail address, not the post) does not count as done
-- already. No row returned means the token is unknown.
-- Side effects: inserts at most one row into suppressions.
with send as (
    select s.campaign_id, s.person_id, s.email, p.first_name, p.last_name
    from campaign_sends as s
    join campaigns as c on c.campaign_id = s.campaign_id
    join persons as p on p.person_id = s.person_id
    where s.unsubscribe_token = :token
      and (s.email is not null or (c.channel = 'paper' and s.status <> 'skipped'))
),

inserted as (
    insert into suppressions (email, person_id, reason, source)
    select send.email, send.person_id, 'unsubscribed', 'campaign ' || send.campaign_id
    from send
    where send.email is not null or not exists (
        select 1 from suppressions as x
        where x.person_id = send.person_id and x.reason <> 'bounced'
    )
    on conflict (email) do nothing
    returning suppression_id
),

final as (
    select
        send.email, send.first_name, send.last_name,
        not exists (select 1 from inserted) as is_already_unsubscribed
    from send
)

select * from final

-- name: due_campaigns
-- Purpose: campaigns to start or resume now: scheduled one-off ones whose time has come, and
-- running ones with rows still open (a new issue, an interrupted run, 4xx retries due) that
-- may go now: a row waiting outside its sending window (the recipient's time zone, else the
-- campaign's) does not make its campaign due, a row left 'sending' by a killed run always
-- does. Recurring and greeting campaigns start when their first issue is opened.
-- Side effects: none.
select c.campaign_id
from campaigns as c
where (
    c.status = 'scheduled' and c.send_at <= now()
    and c.schedule_kind is distinct from 'recurring'
    and c.schedule_kind is distinct from 'date_triggered'
)
   or (c.status = 'running' and exists (
        select 1 from campaign_sends as s
        where s.campaign_id = c.campaign_id and s.is_open
          and (s.next_attempt_at is null or s.next_attempt_at <= now())
          and (
              s.status = 'sending'
              or c.window_days is null and c.window_start_hour is null
              or exists (
                  select 1 from persons as p
                  where p.person_id = s.person_id and in_sending_window(
                      coalesce(p.time_zone, c.time_zone),
                      c.window_days, c.window_start_hour, c.window_end_hour
                  )
              )
          )
   ))
order by c.send_at nulls first, c.campaign_id

-- name: finish_if_done
-- Purpose: a running campaign with no open ledger row is finished; one with open rows stays.
-- Side effects: updates campaigns.status/finished_at.
update campaigns as c
set status = 'finished', finished_at = now(), status_reason = null
where c.campaign_id = :campaign_id and c.status = 'running'
  and not exists (
      select 1 from campaign_sends as s
      where s.campaign_id = c.campaign_id and s.is_open
  )
returning c.campaign_id

-- name: periodic_campaigns
-- Purpose: recurring and greeting campaigns that may have an issue to open: scheduled or
-- running, past their start.
-- Side effects: none.
select c.campaign_id
from campaigns as c
where c.schedule_kind in ('recurring', 'date_triggered')
  and c.status in ('scheduled', 'running')
  and c.send_at <= now()
order by c.campaign_id

