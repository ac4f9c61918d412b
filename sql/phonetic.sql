-- Double Metaphone (ci.double_metaphone, ci.dmetaphone, ci.dmetaphone_alt):
-- the specification.  Written from Lawrence Philips' published rules and
-- checked here against contrib fuzzystrmatch's dmetaphone/dmetaphone_alt, an
-- independent implementation of the same rules.

-- 1. Both codes, at most 4 characters each; the alternate equals the
--    primary when no rule offers a variant.
SELECT w, ci.double_metaphone(w), ci.dmetaphone(w) AS "primary", ci.dmetaphone_alt(w) AS alternate
FROM (VALUES ('Smith'), ('Schmidt'), ('Michael'), ('Thomas'), ('Xavier'), ('Wasserman'), ('Czerny'),
             ('Filipowicz'), ('Gallegos'), ('Jose'), ('San Jacinto'), ('Caesar'), ('McHugh'),
             ('Breaux'), ('Knight'), ('Zhao'), ('Alexander Hamilton')) v(w);

-- 2. Case does not matter; ASCII non-letters are kept in place (rules look
--    at spaces: 'VAN ', 'SAN ') but never coded.
SELECT ci.double_metaphone('smith') = ci.double_metaphone('SMITH') AS case_insensitive,
       ci.double_metaphone('o''brien') AS apostrophe, ci.double_metaphone('smith-jones') AS hyphen,
       ci.double_metaphone('123') AS digits_only, ci.double_metaphone(' ') AS space_only;

-- 3. NULL gives NULL (STRICT); the empty string gives empty codes.
SELECT ci.double_metaphone(NULL) IS NULL AS dm_null, ci.dmetaphone(NULL) IS NULL AS p_null,
       ci.dmetaphone_alt(NULL) IS NULL AS a_null, ci.double_metaphone('') AS empty;

-- 4. Latin letters with diacritics are folded to ASCII before coding (Ç is
--    kept and coded S, ß is SS, Ø is O, Ł is L, Þ is TH); letters of other
--    scripts are skipped, so transliterate them first with ci.normalize_name
--    (doc/normalisation.md).
SELECT w, ci.double_metaphone(w)
FROM (VALUES ('Müller'), ('Muller'), ('François'), ('Straße'), ('Søren'), ('Łukasz'), ('Þór'),
             ('Dvořák'), ('Núñez'), ('Ærø'), ('e' || chr(769) || 'mile'), ('Дмитрий'), ('山田'),
             ('Dmitri Дмитрий'), ('😀Anna')) v(w);

-- 5. Any length is coded in linear time; coding stops once both codes have
--    4 characters.
SELECT ci.dmetaphone(repeat('x', 1100000)) AS x_1mb, ci.double_metaphone(repeat('h', 1100000)) AS h_1mb,
       ci.double_metaphone(repeat('é', 600000)) AS e_acute, ci.dmetaphone(repeat('Дм', 300000) || 'smith') AS cyrillic_then_smith;

-- 6. Agreement with contrib fuzzystrmatch over 495 surnames and given names
--    (English, German, Slavic, Italian, Spanish, French, Hungarian, Irish,
--    Chinese) chosen to exercise every rule.  Expected: no mismatch.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch SCHEMA public;
RESET client_min_messages;
CREATE TEMP TABLE dm_word (w text);
INSERT INTO dm_word VALUES
('abigail'), ('abramowitz'), ('accede'), ('accident'), ('adams'), ('aleksander'), ('alexander'),
('alexandra'), ('allen'), ('amelia'), ('anders'), ('andersen'), ('anderson'), ('anna'), ('aoife'),
('arceneaux'), ('architect'), ('artois'), ('ashkenazi'), ('bacchus'), ('bacci'), ('bailey'),
('baker'), ('balogh'), ('barbieri'), ('barnes'), ('bell'), ('bellocchio'), ('benjamin'),
('bennett'), ('bertucci'), ('biaggi'), ('bianchi'), ('bjorn'), ('bogdanov'), ('bohdan'),
('bonnet'), ('boudreaux'), ('bough'), ('breaux'), ('brooks'), ('broughton'), ('brown'), ('browne'),
('bruno'), ('butler'), ('cabrillo'), ('caesar'), ('cagney'), ('campbell'), ('caoimhe'),
('carlisle'), ('carlysle'), ('carter'), ('caruso'), ('castillo'), ('catherine'), ('cerny'),
('charlotte'), ('chemistry'), ('chen'), ('chianti'), ('chloe'), ('chore'), ('chorus'),
('christopher'), ('ciaran'), ('clark'), ('coleman'), ('collins'), ('colombo'), ('conti'), ('cook'),
('cooper'), ('costa'), ('cough'), ('cox'), ('cruz'), ('czerny'), ('czeslaw'), ('d''angelo'),
('dabrowski'), ('daniel'), ('danielle'), ('david'), ('davis'), ('deluca'), ('diaz'), ('dietrich'),
('dmitri'), ('dubois'), ('dumb'), ('dupont'), ('durand'), ('dvorak'), ('edgar'), ('edge'),
('edwards'), ('elisabeth'), ('elizabeth'), ('emma'), ('eoghan'), ('esposito'), ('evans'),
('evelyn'), ('farkas'), ('fekete'), ('ferrara'), ('ferrari'), ('filipowicz'), ('fisher'),
('flores'), ('focaccia'), ('fontana'), ('foster'), ('frances'), ('francis'), ('francois'),
('gallegos'), ('galli'), ('gallo'), ('garcia'), ('gentile'), ('gerard'), ('ghiradelli'),
('ghislaine'), ('gianluca'), ('giger'), ('giordano'), ('giovanni'), ('giuseppe'), ('gnome'),
('golubev'), ('gomez'), ('gonzalez'), ('gough'), ('grabowski'), ('graham'), ('gray'), ('greco'),
('green'), ('gretchen'), ('grzegorz'), ('gutierrez'), ('gwendolyn'), ('gwyneth'), ('hall'),
('hamilton'), ('hans'), ('harper'), ('harris'), ('heath'), ('heimlich'), ('helga'), ('henderson'),
('hernandez'), ('hill'), ('hochmeier'), ('holmes'), ('horak'), ('horowitz'), ('horvath'),
('howard'), ('hugh'), ('hughes'), ('ingrid'), ('isabella'), ('island'), ('ivanov'), ('jackson'),
('jacques'), ('jager'), ('james'), ('jankelowicz'), ('jankowski'), ('jaramillo'), ('jean'),
('jeanne'), ('jenkins'), ('jennifer'), ('jerzy'), ('jessica'), ('jimenez'), ('jiri'), ('joachim'),
('joan'), ('johann'), ('john'), ('johnson'), ('jon'), ('jonathan'), ('jones'), ('jonson'),
('jordan'), ('jose'), ('josef'), ('joseph'), ('juarez'), ('juhasz'), ('jurgen'), ('kaminski'),
('katherine'), ('kathryn'), ('kelly'), ('kim'), ('king'), ('kiss'), ('klaus'), ('knight'),
('knut'), ('kovacs'), ('kowalski'), ('kowalsky'), ('kozlov'), ('kozlowski'), ('krawczyk'),
('kristopher'), ('krzysztof'), ('kucera'), ('kuznetsov'), ('ladislav'), ('lakatos'), ('lambert'),
('lars'), ('laugh'), ('laurent'), ('lebedev'), ('lee'), ('lefebvre'), ('lefevre'), ('leone'),
('leroy'), ('lewandowski'), ('lewis'), ('liam'), ('lombardi'), ('long'), ('longo'), ('lopez'),
('louis'), ('lucas'), ('ludmila'), ('luis'), ('mac caffrey'), ('mac gregor'), ('maccaffrey'),
('macdonald'), ('macgregor'), ('mancini'), ('marek'), ('margaret'), ('marguerite'), ('maria'),
('mariani'), ('marino'), ('martel'), ('martin'), ('martinelli'), ('martinez'), ('martini'),
('mathew'), ('mathieu'), ('matthew'), ('matthews'), ('mazur'), ('mcclellan'), ('mcdonald'),
('mchugh'), ('mclaughlin'), ('mercier'), ('meszaros'), ('michael'), ('michalski'), ('micheal'),
('michel'), ('miller'), ('miroslav'), ('mitchell'), ('mohamed'), ('mohammed'), ('molnar'),
('moore'), ('morales'), ('moreau'), ('moretti'), ('morgan'), ('morozov'), ('morris'), ('mueller'),
('muhammad'), ('muller'), ('murphy'), ('myers'), ('nagy'), ('natasha'), ('nelson'), ('nemec'),
('nemeth'), ('nguyen'), ('niamh'), ('nicholas'), ('nikolai'), ('nikolas'), ('noah'), ('novak'),
('novikov'), ('nowak'), ('o''brien'), ('obrien'), ('olah'), ('olga'), ('olivia'), ('orchestra'),
('orchid'), ('ortiz'), ('padraig'), ('papp'), ('parker'), ('patterson'), ('pavlov'), ('pawlowski'),
('perez'), ('perry'), ('peter'), ('peterson'), ('petrov'), ('phillips'), ('piotrowski'),
('plumber'), ('pneumann'), ('pokorny'), ('popov'), ('powell'), ('price'), ('prochazka'),
('przemyslaw'), ('psaltis'), ('rabinowitz'), ('racz'), ('ramirez'), ('raspberry'), ('rebecca'),
('rebekah'), ('reed'), ('resnais'), ('reyes'), ('reynolds'), ('ricci'), ('richardson'),
('rinaldi'), ('rivera'), ('rizzo'), ('robert'), ('roberto'), ('roberts'), ('robinson'),
('rodriguez'), ('rogers'), ('rogier'), ('romano'), ('ross'), ('rossi'), ('rough'), ('russell'),
('russo'), ('san jacinto'), ('sanchez'), ('sanders'), ('santoro'), ('saoirse'), ('schenker'),
('schermerhorn'), ('schmidt'), ('schmitt'), ('schneider'), ('school'), ('schooner'), ('schroeder'),
('schwartz'), ('schwarz'), ('scott'), ('sean'), ('semenov'), ('sergei'), ('shaun'), ('shawn'),
('siegfried'), ('sigrid'), ('simmons'), ('simon'), ('siobhan'), ('sioux'), ('smirnov'), ('smith'),
('smith-jones'), ('smyth'), ('snider'), ('sofie'), ('sokolov'), ('solovyov'), ('sophie'),
('soren'), ('st john'), ('stanislaw'), ('stephen'), ('steven'), ('stewart'), ('succeed'),
('sugarman'), ('sullivan'), ('svetlana'), ('svoboda'), ('szabo'), ('szymanski'), ('tadeusz'),
('tadhg'), ('tagliaro'), ('takacs'), ('tatiana'), ('taylor'), ('thames'), ('thibodeaux'),
('thomas'), ('thompson'), ('thumb'), ('tichner'), ('tomas'), ('torres'), ('toth'), ('tough'),
('tsai'), ('tsao'), ('turner'), ('vaclav'), ('vallejo'), ('van der berg'), ('van gogh'),
('vanderberg'), ('vangogh'), ('varga'), ('vasiliev'), ('vasserman'), ('vesely'), ('villalobos'),
('vinogradov'), ('vitale'), ('vladimir'), ('volkov'), ('von trapp'), ('vontrapp'), ('vorobyov'),
('wachtler'), ('walker'), ('wang'), ('ward'), ('wasserman'), ('watson'), ('wechsler'), ('weiss'),
('white'), ('william'), ('williams'), ('wilson'), ('wisniewski'), ('wojciech'), ('wojcik'),
('wolfgang'), ('wood'), ('wrenn'), ('wright'), ('xavier'), ('xenakis'), ('ximena'), ('xiomara'),
('yankelovich'), ('yasmin'), ('yolanda'), ('young'), ('yuri'), ('yusuf'), ('yvonne'), ('zachary'),
('zaitsev'), ('zamora'), ('zapata'), ('zbigniew'), ('zbynek'), ('zeke'), ('zhang'), ('zhao'),
('zhou'), ('zhuang'), ('zielinski'), ('zoe'), ('zuniga');
SELECT count(*) AS words,
       count(*) FILTER (WHERE ci.dmetaphone(w) <> public.dmetaphone(w)) AS primary_mismatches,
       count(*) FILTER (WHERE ci.dmetaphone_alt(w) <> public.dmetaphone_alt(w)) AS alternate_mismatches,
       count(DISTINCT ci.dmetaphone(w)) AS distinct_codes,
       count(*) FILTER (WHERE ci.dmetaphone(w) <> ci.dmetaphone_alt(w)) AS with_variant
FROM dm_word;
SELECT w, ci.double_metaphone(w), public.dmetaphone(w), public.dmetaphone_alt(w)
FROM dm_word
WHERE ci.dmetaphone(w) <> public.dmetaphone(w) OR ci.dmetaphone_alt(w) <> public.dmetaphone_alt(w);
-- Upper case input codes the same in both.
SELECT count(*) AS upper_mismatches FROM dm_word
WHERE ci.dmetaphone(upper(w)) <> public.dmetaphone(upper(w)) OR ci.dmetaphone_alt(upper(w)) <> public.dmetaphone_alt(upper(w));

-- 7. The one deliberate difference: fuzzystrmatch codes bytes, so in UTF-8
--    a letter with a diacritic is two non-letters to it and disappears; ci
--    folds it to its ASCII letter first.  (On ASCII input they agree.)
SELECT w, ci.dmetaphone(w) AS ci_primary, public.dmetaphone(w) AS fuzzystrmatch_primary
FROM (VALUES ('François'), ('Müller'), ('Øster'), ('Ébert')) v(w);
