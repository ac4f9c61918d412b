-- One line per property of every object of the extension, in a stable order,
-- so that an upgraded installation can be diffed against a fresh one.
-- Column order is compared by name (ALTER TABLE ADD COLUMN appends; a fresh
-- install may declare the column elsewhere), everything else exactly.
\pset format unaligned
\pset tuples_only on
\pset null '∅'
WITH ext AS (
  SELECT d.classid, d.objid
  FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
  WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND e.extname = 'customer_intel'
), rel AS (
  SELECT c.oid, c.relkind, c.oid::regclass::text AS name FROM pg_class c JOIN ext ON ext.classid = 'pg_class'::regclass AND ext.objid = c.oid
), fn AS (
  SELECT p.oid FROM pg_proc p JOIN ext ON ext.classid = 'pg_proc'::regclass AND ext.objid = p.oid
)
SELECT line FROM (
  SELECT 'object ' || pg_describe_object(classid, objid, 0) AS line FROM ext
  UNION ALL
  SELECT 'function ' || p.oid::regprocedure || E'\n' ||
         CASE WHEN p.prokind = 'a' THEN 'aggregate' ELSE pg_get_functiondef(p.oid) END ||
         ' acl=' || coalesce(p.proacl::text, 'default') || ' parallel=' || p.proparallel::text ||
         ' leakproof=' || p.proleakproof || ' cost=' || p.procost || ' rows=' || p.prorows
  FROM pg_proc p JOIN fn USING (oid)
  UNION ALL
  SELECT 'aggregate ' || a.aggfnoid::regprocedure || ' ' || concat_ws(',', a.aggkind, a.aggtransfn, a.aggfinalfn, a.aggcombinefn,
         a.aggserialfn, a.aggdeserialfn, a.aggtranstype::regtype, a.aggfinalmodify, a.agginitval, a.aggmtransfn, a.aggsortop)
  FROM pg_aggregate a JOIN fn ON fn.oid = a.aggfnoid
  UNION ALL
  SELECT 'relation ' || r.name || ' kind=' || r.relkind::text || ' acl=' || coalesce(c.relacl::text, 'default') ||
         ' rls=' || c.relrowsecurity || '/' || c.relforcerowsecurity || ' options=' || coalesce(c.reloptions::text, '') ||
         ' persistence=' || c.relpersistence::text || ' comment=' || coalesce(obj_description(c.oid, 'pg_class'), '')
  FROM rel r JOIN pg_class c USING (oid)
  UNION ALL
  SELECT 'column ' || r.name || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ||
         ' notnull=' || a.attnotnull || ' default=' || coalesce(pg_get_expr(ad.adbin, ad.adrelid), '') ||
         ' generated=' || a.attgenerated::text || ' identity=' || a.attidentity::text || ' collation=' || a.attcollation::regcollation ||
         ' acl=' || coalesce(a.attacl::text, '') || ' comment=' || coalesce(col_description(r.oid, a.attnum), '')
  FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef ad ON ad.adrelid = r.oid AND ad.adnum = a.attnum
  UNION ALL
  SELECT 'constraint ' || r.name || ' ' || co.conname || ' ' || pg_get_constraintdef(co.oid)
  FROM rel r JOIN pg_constraint co ON co.conrelid = r.oid
  UNION ALL
  SELECT 'index ' || pg_get_indexdef(i.indexrelid) FROM rel r JOIN pg_index i ON i.indrelid = r.oid
  UNION ALL
  SELECT 'trigger ' || pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
  FROM rel r JOIN pg_trigger t ON t.tgrelid = r.oid AND NOT t.tgisinternal
  UNION ALL
  SELECT 'policy ' || r.name || ' ' || p.polname || ' ' || p.polcmd::text || ' ' || p.polpermissive || ' ' || p.polroles::text ||
         ' using=' || coalesce(pg_get_expr(p.polqual, p.polrelid), '') || ' check=' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '')
  FROM rel r JOIN pg_policy p ON p.polrelid = r.oid
  UNION ALL
  SELECT 'view ' || r.name || E'\n' || pg_get_viewdef(r.oid) FROM rel r WHERE r.relkind IN ('v', 'm')
  UNION ALL
  SELECT 'sequence ' || r.name || ' ' || concat_ws(',', s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmax, s.seqmin, s.seqcache, s.seqcycle)
  FROM rel r JOIN pg_sequence s ON s.seqrelid = r.oid
  UNION ALL
  SELECT 'type ' || t.oid::regtype || ' ' || t.typtype::text || ' ' || coalesce(
           (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid),
           format_type(t.typbasetype, t.typtypmod) || ' ' || coalesce(
             (SELECT string_agg(pg_get_constraintdef(co.oid), ' ') FROM pg_constraint co WHERE co.contypid = t.oid), ''))
  FROM pg_type t JOIN ext ON ext.classid = 'pg_type'::regclass AND ext.objid = t.oid
  UNION ALL
  SELECT 'config ' || c::regclass || ' ' || coalesce(w, '')
  FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(c, w) WHERE e.extname = 'customer_intel'
  UNION ALL
  SELECT 'schema acl ' || coalesce(nspacl::text, 'default') FROM pg_namespace WHERE nspname = 'ci'
  UNION ALL
  SELECT 'event trigger ' || evtname || ' ' || evtevent || ' ' || evtfoid::regproc || ' ' || coalesce(evttags::text, '')
  FROM pg_event_trigger ev JOIN ext ON ext.classid = 'pg_event_trigger'::regclass AND ext.objid = ev.oid
) x
ORDER BY line COLLATE "C";
