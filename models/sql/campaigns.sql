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
