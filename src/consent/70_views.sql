-- Views for BI tools.  They read the consent state (not protected data) and
-- are evaluated "now": time-limited grants that have lapsed count as absent.

-- Per identity, purpose and channel: the answer of ci.consent_allows,
-- and why (decision, suppression, blocked, default).
CREATE VIEW ci.consent_effective AS
SELECT s.identity_id, s.jurisdiction, p.purpose, c.channel,
       w.decision, w.in_force,
       CASE WHEN s.blocked_reason IS NOT NULL THEN 'blocked:' || s.blocked_reason
            WHEN p.contacts AND s.suppressed_channels && ARRAY['all', c.channel] THEN 'suppressed'
            WHEN w.in_force THEN 'decision'
            ELSE 'default' END AS basis,
       CASE WHEN s.blocked_reason IS NOT NULL THEN false
            WHEN p.contacts AND s.suppressed_channels && ARRAY['all', c.channel] THEN false
            WHEN w.in_force THEN w.decision = 'granted'
            ELSE ci.consent_default_allows(s.jurisdiction, p.purpose) END AS allowed
  FROM ci.consent_subject s
 CROSS JOIN ci.consent_purpose p
 CROSS JOIN unnest(ci.consent_channels()) c(channel)
  LEFT JOIN LATERAL (
       SELECT st.decision,
              (st.valid_from IS NULL OR st.valid_from <= now()) AND (st.valid_until IS NULL OR st.valid_until > now()) AS in_force
         FROM ci.consent_state st
        WHERE st.identity_id = s.identity_id AND st.purpose = p.purpose AND st.channel IN (c.channel, 'all')
        ORDER BY st.decided_at DESC, (st.decision = 'granted'), (st.channel = 'all')
        LIMIT 1) w ON true;
COMMENT ON VIEW ci.consent_effective IS 'per identity, purpose and channel: whether the data may be used now, and on what basis (decision, default, suppressed, blocked)';

CREATE VIEW ci.consent_coverage AS
SELECT purpose, channel, jurisdiction,
       count(*) AS identities,
       count(*) FILTER (WHERE allowed) AS allowed,
       count(*) FILTER (WHERE basis = 'decision' AND decision = 'granted') AS granted,
       count(*) FILTER (WHERE basis = 'decision' AND decision <> 'granted') AS refused,
       count(*) FILTER (WHERE basis = 'default') AS by_default,
       count(*) FILTER (WHERE basis = 'suppressed' OR basis LIKE 'blocked:%') AS suppressed,
       round(100.0 * count(*) FILTER (WHERE allowed) / nullif(count(*), 0), 1) AS allowed_pct
  FROM ci.consent_effective
 GROUP BY purpose, channel, jurisdiction;
COMMENT ON VIEW ci.consent_coverage IS 'consent coverage per purpose, channel and jurisdiction: how many identities may be used, and on what basis';

CREATE VIEW ci.consent_withdrawals AS
SELECT date_trunc('day', e.decided_at) AS day, e.purpose, e.channel, e.mechanism,
       count(*) AS withdrawals,
       count(DISTINCT e.live_identity_id) AS identities
  FROM ci.consent_event_resolved e
 WHERE e.decision = 'withdrawn'
 GROUP BY 1, 2, 3, 4;
COMMENT ON VIEW ci.consent_withdrawals IS 'withdrawals per day, purpose, channel and capture mechanism';

CREATE VIEW ci.consent_reachable AS
SELECT c.channel,
       count(*) FILTER (WHERE e.allowed) AS reachable,
       count(*) AS identities
  FROM unnest(ci.consent_channels()) c(channel)
  LEFT JOIN ci.consent_effective e ON e.channel = c.channel AND e.purpose = 'marketing'
 GROUP BY c.channel;
COMMENT ON VIEW ci.consent_reachable IS 'identities that may be contacted for marketing now, per channel (consent or default, not suppressed)';
