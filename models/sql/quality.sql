-- Data-quality gates: checks run right before a side effect, in one cheap query each. The
-- nightly suites (tasks/quality_rules.py) run through Great Expectations instead.

-- name: campaign_gate
-- Purpose: the figures of the pre-send gate of campaign :campaign_id, over the ledger rows of
-- the issue :occurrence, or (NULL) of every issue that still has letters to send: rows, pending
-- rows, rows skipped for a missing or malformed address (reasons :unaddressed_reasons, as the
-- audience queries write them), pending rows whose address or person was suppressed before the
-- row was written (the audience should have skipped them: it is wrong), and pending rows
-- suppressed since (the send-time recheck skips those). A bounced address stops e-mail, not a
-- printed letter. The first few offending ids come along for the message.
-- Side effects: none. Reads only the campaign's rows (the ledger's unique key leads with
-- campaign_id).
with issue_rows as (
    select s.campaign_send_id, s.occurrence, s.person_id, s.email, s.status, s.last_error,
        s.created_at, c.channel
    from campaign_sends as s
    join campaigns as c on c.campaign_id = s.campaign_id
    where s.campaign_id = :campaign_id
      and (
          s.occurrence = cast(:occurrence as text)
          or cast(:occurrence as text) is null and s.occurrence in (
              select p.occurrence from campaign_sends as p
              where p.campaign_id = :campaign_id and p.status = 'pending'
          )
      )
),

matches as (
    -- Two equality joins, not one join on "email or person": each can hash.
    select r.campaign_send_id, r.created_at, sp.created_at as suppressed_at, sp.reason, r.channel
    from issue_rows as r
    join suppressions as sp on sp.email = r.email
    where r.status = 'pending'
    union all
    select r.campaign_send_id, r.created_at, sp.created_at, sp.reason, r.channel
    from issue_rows as r
    join suppressions as sp on sp.person_id = r.person_id
    where r.status = 'pending'
),

suppressed as (
    select campaign_send_id, min(suppressed_at) < min(created_at) as before_fill
    from matches
    where channel = 'email' or reason <> 'bounced'
    group by campaign_send_id
),

final as (
    select
        count(*) as total_rows,
        count(*) filter (where r.status = 'pending') as pending,
        count(*) filter (where r.status = 'skipped') as skipped,
        count(*) filter (
            where r.status = 'skipped' and r.last_error = any(cast(:unaddressed_reasons as text []))
        ) as unaddressed,
        count(x.campaign_send_id) filter (where x.before_fill) as suppressed_pending,
        count(x.campaign_send_id) filter (where not x.before_fill) as suppressed_since_fill,
        (array_agg(x.campaign_send_id order by x.campaign_send_id)
            filter (where x.before_fill))[1:5] as suppressed_ids
    from issue_rows as r
    left join suppressed as x on x.campaign_send_id = r.campaign_send_id
)

select * from final
