-- name: recipient_by_token
-- Purpose: the address a letter's unsubscribe link stands for, for the confirmation page. The
-- token is looked up by equality only, on its unique index; a row without an e-mail (a paper
-- letter) never carried a link and counts as unknown.
-- Side effects: none.
select s.email
from campaign_sends as s
where s.unsubscribe_token = :token and s.email is not null

-- name: unsubscribe_by_token
-- Purpose: record that the recipient of one letter unsubscribed: one suppression for the
-- letter's address, naming the person and the campaign. ON CONFLICT (email) makes a repeated
-- click (or a mail client's retry) a no-op; an address already suppressed for another reason
-- (a bounce) stays as it is. No row returned means the token is unknown.
-- Side effects: inserts at most one row into suppressions.
with send as (
    select s.campaign_id, s.person_id, s.email
    from campaign_sends as s
    where s.unsubscribe_token = :token and s.email is not null
),

inserted as (
    insert into suppressions (email, person_id, reason, source)
    select send.email, send.person_id, 'unsubscribed', 'campaign ' || send.campaign_id
    from send
    on conflict (email) do nothing
    returning suppression_id
),

final as (
    select send.email, not exists (select 1 from inserted) as is_already_unsubscribed
    from send
)

select * from final

-- name: due_campaigns
-- Purpose: campaigns to start or resume now: scheduled ones whose time has come, and running
-- ones with rows still open (a run was interrupted or 4xx retries are due).
-- Side effects: none.
select c.campaign_id
from campaigns as c
where (c.status = 'scheduled' and c.send_at <= now())
   or (c.status = 'running' and exists (
        select 1 from campaign_sends as s
        where s.campaign_id = c.campaign_id and s.status in ('pending', 'sending')
          and (s.next_attempt_at is null or s.next_attempt_at <= now())
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
      where s.campaign_id = c.campaign_id and s.status in ('pending', 'sending')
  )
returning c.campaign_id
