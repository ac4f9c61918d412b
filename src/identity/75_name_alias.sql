-- Nicknames for the given_name similarity: a formal given name and the
-- short or familiar forms people go by.  The given_name similarity of a
-- match comparison treats a name and its nickname (or two nicknames of one
-- formal name) as the close level, so that "Bill" and "William" are
-- evidence for a match while two different given names in one household
-- are evidence against.  Names are compared after ci.normalize_name, so
-- case, accents and spacing do not matter here.
--
-- The shipped rows were written for this extension from common knowledge
-- of English and European naming customs (public domain, like this file);
-- add, change or delete rows to suit your customers.  pg_dump keeps the
-- table as it is: rows added, shipped rows deleted (see
-- survive/90_shipped_config.sql).

CREATE TABLE ci.name_alias (
    name     text NOT NULL CHECK (name <> ''),
    alias    text NOT NULL CHECK (alias <> ''),
    shipped  boolean NOT NULL DEFAULT false,
    PRIMARY KEY (name, alias),
    CHECK (name <> alias)
);
COMMENT ON TABLE ci.name_alias IS 'Given-name nicknames (name: the formal name, alias: a short or familiar form) read by the given_name similarity of match comparisons';
COMMENT ON COLUMN ci.name_alias.shipped IS 'true for the rows CREATE EXTENSION inserts';
SELECT pg_catalog.pg_extension_config_dump('ci.name_alias', '');

INSERT INTO ci.name_alias (name, alias, shipped)
SELECT v.name, a.alias, true
FROM (VALUES
    -- English
    ('Abigail', '{Abby,Gail}'), ('Albert', '{Al,Bert,Bertie}'), ('Alexander', '{Alex,Alec,Sandy,Xander,Lex}'),
    ('Alexandra', '{Alex,Sandra,Sandy,Lexi}'), ('Alfred', '{Alf,Alfie,Fred}'), ('Allison', '{Ally,Allie}'),
    ('Andrew', '{Andy,Drew}'), ('Angela', '{Angie}'), ('Anthony', '{Tony,Ant}'), ('Arthur', '{Art,Artie}'),
    ('Barbara', '{Barb,Babs}'), ('Benjamin', '{Ben,Benny,Benji}'), ('Bernard', '{Bernie}'),
    ('Catherine', '{Cathy,Cath,Kate,Katie,Cat}'), ('Katherine', '{Kathy,Kate,Katie,Kat,Kay,Kitty}'),
    ('Charles', '{Charlie,Chuck,Chas}'), ('Charlotte', '{Lottie,Charlie}'), ('Christina', '{Chris,Tina,Chrissy}'),
    ('Christine', '{Chris,Chrissy}'), ('Christopher', '{Chris,Kit,Topher}'), ('Cynthia', '{Cindy}'),
    ('Daniel', '{Dan,Danny}'), ('David', '{Dave,Davy}'), ('Deborah', '{Debbie,Deb}'), ('Donald', '{Don,Donnie}'),
    ('Dorothy', '{Dot,Dottie,Dolly}'), ('Douglas', '{Doug}'), ('Edward', '{Ed,Eddie,Ted,Teddy,Ned}'),
    ('Eleanor', '{Ellie,Nell,Nora}'), ('Elizabeth', '{Liz,Lizzie,Beth,Betty,Betsy,Eliza,Libby,Bess}'),
    ('Emily', '{Em,Emmy}'), ('Emma', '{Em,Emmy}'), ('Frances', '{Fran,Frankie}'), ('Francis', '{Frank,Frankie}'),
    ('Frederick', '{Fred,Freddie}'), ('Gabriel', '{Gabe}'), ('Gerald', '{Gerry,Jerry}'), ('Gregory', '{Greg}'),
    ('Harold', '{Harry,Hal}'), ('Henry', '{Harry,Hank,Hal}'), ('Isabella', '{Bella,Izzy,Isa}'),
    ('Jacob', '{Jake}'), ('James', '{Jim,Jimmy,Jamie}'), ('Jennifer', '{Jen,Jenny}'), ('Jessica', '{Jess,Jessie}'),
    ('John', '{Johnny,Jack}'), ('Jonathan', '{Jon,Jonny,Nathan}'), ('Joseph', '{Joe,Joey}'),
    ('Josephine', '{Jo,Josie}'), ('Joshua', '{Josh}'), ('Judith', '{Judy}'), ('Kenneth', '{Ken,Kenny}'),
    ('Lawrence', '{Larry}'), ('Leonard', '{Len,Lenny,Leo}'), ('Margaret', '{Maggie,Meg,Peggy,Marge,Madge}'),
    ('Matthew', '{Matt,Matty}'), ('Michael', '{Mike,Mikey,Mick,Mickey}'), ('Nathaniel', '{Nat,Nate,Nathan}'),
    ('Nicholas', '{Nick,Nicky,Nico}'), ('Oliver', '{Ollie}'), ('Patricia', '{Pat,Patty,Trish,Tricia}'),
    ('Patrick', '{Pat,Paddy}'), ('Peter', '{Pete}'), ('Philip', '{Phil}'), ('Rebecca', '{Becky,Becca}'),
    ('Richard', '{Rick,Ricky,Dick,Rich,Richie}'), ('Robert', '{Bob,Bobby,Rob,Robbie,Bert}'),
    ('Ronald', '{Ron,Ronnie}'), ('Samantha', '{Sam,Sammy}'), ('Samuel', '{Sam,Sammy}'), ('Sarah', '{Sally,Sadie}'),
    ('Stephen', '{Steve,Stevie}'), ('Steven', '{Steve,Stevie}'), ('Susan', '{Sue,Susie}'), ('Suzanne', '{Sue,Suzy}'),
    ('Theodore', '{Theo,Ted,Teddy}'), ('Thomas', '{Tom,Tommy}'), ('Timothy', '{Tim,Timmy}'),
    ('Victoria', '{Vicky,Tori}'), ('Vincent', '{Vince,Vinny}'), ('Walter', '{Walt,Wally}'),
    ('William', '{Bill,Billy,Will,Willy,Liam}'), ('Zachary', '{Zach,Zack}'),
    -- German
    ('Johannes', '{Hans,Jo}'), ('Johann', '{Hans}'), ('Wolfgang', '{Wolf}'), ('Friedrich', '{Fritz}'),
    ('Franziska', '{Franzi}'), ('Katharina', '{Kathi,Katja}'), ('Magdalena', '{Lena,Leni}'),
    ('Elisabeth', '{Lisa,Liesel,Elli,Sissi}'), ('Matthias', '{Matze,Hias}'), ('Stefanie', '{Steffi}'),
    ('Susanne', '{Susi}'), ('Joachim', '{Achim,Jochen}'),
    -- French, Italian, Spanish, Portuguese
    ('Guillaume', '{Guy}'), ('Jacqueline', '{Jacky}'), ('Dominique', '{Dom}'), ('Giuseppe', '{Beppe,Peppe,Pino}'),
    ('Francesco', '{Franco,Cesco}'), ('Giovanni', '{Gianni,Nino}'), ('Alessandro', '{Sandro,Ale}'),
    ('Francisco', '{Paco,Pancho,Quico}'), ('José', '{Pepe}'), ('Manuel', '{Manolo,Manu}'), ('Dolores', '{Lola}'),
    ('Guadalupe', '{Lupe}'), ('Concepción', '{Concha,Conchita}'), ('Ignacio', '{Nacho}'), ('Antonio', '{Toni,Toño}'),
    -- Polish, Russian, Greek (Latin transliterations)
    ('Aleksander', '{Olek,Aleks}'), ('Małgorzata', '{Gosia,Małgosia}'), ('Katarzyna', '{Kasia}'),
    ('Aleksandra', '{Ola}'), ('Agnieszka', '{Aga}'), ('Wojciech', '{Wojtek}'), ('Stanisław', '{Staszek,Stas}'),
    ('Tomasz', '{Tomek}'), ('Krzysztof', '{Krzys}'), ('Józef', '{Józek}'), ('Zofia', '{Zosia}'),
    ('Aleksandr', '{Sasha,Sasa,Sanya}'), ('Alexei', '{Alyosha,Lyosha}'), ('Dmitry', '{Dima,Mitya}'),
    ('Ekaterina', '{Katya}'), ('Yekaterina', '{Katya}'), ('Ivan', '{Vanya}'), ('Mikhail', '{Misha}'),
    ('Nikolai', '{Kolya}'), ('Vladimir', '{Volodya,Vova}'), ('Anastasia', '{Nastya,Asya}'), ('Natalia', '{Natasha,Nata}'),
    ('Tatiana', '{Tanya}'), ('Yelena', '{Lena}'), ('Elena', '{Lena}'), ('Olga', '{Olya}'), ('Svetlana', '{Sveta}'),
    ('Konstantinos', '{Kostas,Dinos}'), ('Dimitrios', '{Dimitris,Mitsos,Takis}'), ('Georgios', '{Giorgos,Yorgos}'),
    ('Ioannis', '{Giannis,Yannis}'), ('Vasileios', '{Vasilis,Vasos}'), ('Aikaterini', '{Katerina}'),
    ('Eleftherios', '{Lefteris}'), ('Christos', '{Chris}')
) AS v(name, aliases)
CROSS JOIN LATERAL unnest(v.aliases::text[]) AS a(alias)
ON CONFLICT DO NOTHING;

-- Sessions cache parsed models (ci.resolve_record): a change of the
-- nicknames gives every model with a given_name comparison a new row
-- version of ci.match_model, as changes of its own comparisons do.
CREATE FUNCTION ci.name_alias_touch() RETURNS trigger
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    UPDATE ci.match_model m SET model = m.model
    WHERE EXISTS (SELECT 1 FROM ci.match_comparison c WHERE c.model = m.model AND c.similarity = 'given_name');
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION ci.name_alias_touch() IS
'Statement trigger on ci.name_alias: writes a new version of the ci.match_model row of every model with a given_name comparison, so that sessions caching parsed models reload the nicknames';
CREATE TRIGGER name_alias_touch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ci.name_alias
    FOR EACH STATEMENT EXECUTE FUNCTION ci.name_alias_touch();
