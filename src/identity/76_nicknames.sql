-- More nicknames (0.2.0): the familiar forms of given names that records
-- of people carry in place of the formal name, for the languages the
-- normaliser serves.  75_name_alias.sql shipped the first ones; these are
-- added beside them (a row already there, shipped or a user's, is kept as
-- it is).  Written for this extension from common knowledge of naming
-- customs, like 75_name_alias.sql (public domain, like this file); see
-- doc/identity.md, "Nicknames", for where the list comes from and what it
-- leaves out.  No nickname/name-variant data set with a licence that lets
-- it ship was found in the package registries this project may use
-- (Debian, npm), so none is copied here.
--
-- A nickname shared by several formal names (Alex: Alexander, Alexandra,
-- Alejandro) is listed under each: two given names are close when they
-- share a formal name's group.  Short forms that are only the first
-- letters of the name (Max for Maximilian, Pam for Pamela) already score
-- loose by Jaro-Winkler; they are listed when common enough that a
-- close level is deserved.  The upgrade from 0.1.0 runs this file too
-- (src/identity/upgrade/0.1.0--0.2.0/96_acc6_*.sql).

INSERT INTO ci.name_alias (name, alias, shipped)
SELECT v.name, a.alias, true
FROM (VALUES
    -- English
    ('Abraham', '{Abe}'), ('Adelaide', '{Addie,Ada,Heidi}'), ('Agnes', '{Aggie,Nessa}'),
    ('Alan', '{Al}'), ('Alexander', '{Sasha,Alek}'), ('Alfred', '{Freddie}'), ('Alice', '{Allie,Ally}'),
    ('Alison', '{Ali,Allie}'), ('Amanda', '{Mandy,Manda}'), ('Amelia', '{Amy,Millie,Mia}'),
    ('Andrea', '{Andi,Andie}'), ('Angelina', '{Angie,Lina}'), ('Ann', '{Annie,Nan,Nancy}'),
    ('Anne', '{Annie,Nan,Nancy}'), ('Anna', '{Annie,Ania,Anya}'), ('Antoinette', '{Toni,Netty}'),
    ('Archibald', '{Archie}'), ('Augustus', '{Gus,Gussie}'), ('Augustine', '{Gus,Austin}'),
    ('Beatrice', '{Bea,Trixie}'), ('Belinda', '{Linda,Bel}'), ('Bernadette', '{Bernie,Detta}'),
    ('Bertram', '{Bert}'), ('Bradley', '{Brad}'), ('Bridget', '{Biddy,Bridie}'), ('Caroline', '{Carrie,Caro,Lina}'),
    ('Carolyn', '{Carrie,Carol}'), ('Cassandra', '{Cassie,Sandy}'), ('Cecilia', '{Cissy,Celia}'),
    ('Clarence', '{Clare}'), ('Clifford', '{Cliff}'), ('Constance', '{Connie}'), ('Cornelius', '{Neil,Corny}'),
    ('Cuthbert', '{Bert}'), ('Cyrus', '{Cy}'), ('Daniel', '{Dani}'), ('Danielle', '{Dani,Danni}'),
    ('Delores', '{Dee,Lola}'), ('Dennis', '{Denny}'), ('Diana', '{Di}'), ('Dominic', '{Dom,Nic}'),
    ('Edith', '{Edie}'), ('Edmund', '{Ed,Eddie,Ned}'), ('Edwin', '{Ed,Eddie}'), ('Eleanor', '{Nell,Nellie,Elle}'),
    ('Elias', '{Eli}'), ('Elijah', '{Eli,Lijah}'), ('Ellen', '{Nell,Nellie}'), ('Emmanuel', '{Manny}'),
    ('Eugene', '{Gene}'), ('Evelyn', '{Evie,Eve}'), ('Ezekiel', '{Zeke}'), ('Florence', '{Flo,Flossie,Florrie}'),
    ('Frederick', '{Fritz,Rick}'), ('Gabriella', '{Gabby,Gabi,Ella}'), ('Gabrielle', '{Gabby,Gabi}'),
    ('Geoffrey', '{Geoff,Jeff}'), ('Jeffrey', '{Jeff}'), ('Georgina', '{Georgie,Gina}'), ('George', '{Georgie}'),
    ('Gertrude', '{Gertie,Trudy}'), ('Gilbert', '{Gil,Bert}'), ('Gwendolyn', '{Gwen,Wendy}'),
    ('Harriet', '{Hattie,Harry}'), ('Helen', '{Nell,Nellie,Lena}'), ('Helena', '{Lena,Nell}'),
    ('Herbert', '{Herb,Bert}'), ('Hubert', '{Bert}'), ('Ignatius', '{Iggy}'), ('Irene', '{Rene}'),
    ('Isaac', '{Ike,Zac}'), ('Isabel', '{Bella,Izzy,Isa,Belle}'), ('Isabelle', '{Bella,Izzy,Isa,Belle}'),
    ('Isadora', '{Izzy,Dora}'), ('Jacqueline', '{Jackie,Jacky,Jacqui}'), ('James', '{Jem,Jimbo}'),
    ('Jane', '{Janey,Jenny}'), ('Janet', '{Jan,Jenny,Netty}'), ('Jeremiah', '{Jerry,Jem}'), ('Jeremy', '{Jerry,Jem}'),
    ('Jerome', '{Jerry}'), ('Joan', '{Jo,Joanie}'), ('Joanna', '{Jo,Jojo,Asia}'), ('Joanne', '{Jo}'),
    ('John', '{Jon,Jack,Jock,Johnnie}'), ('Jonathan', '{Johnny}'), ('Josephine', '{Jo,Jojo,Josie,Josey}'),
    ('Julia', '{Jules,Julie}'), ('Julian', '{Jules}'), ('Juliana', '{Julie,Jules}'), ('Kimberly', '{Kim,Kimmy}'),
    ('Kimberley', '{Kim,Kimmy}'), ('Kristin', '{Kris,Kristy}'), ('Kristina', '{Kris,Tina}'),
    ('Laurence', '{Larry,Laurie}'), ('Leonard', '{Leon}'), ('Leonora', '{Nora,Leo}'), ('Leslie', '{Les}'),
    ('Lillian', '{Lily,Lil,Lillie}'), ('Lucille', '{Lucy,Lou}'), ('Lucinda', '{Lucy,Cindy}'), ('Louis', '{Lou,Louie}'),
    ('Louise', '{Lou,Lulu}'), ('Luke', '{Lucky}'), ('Madeline', '{Maddie,Maddy}'), ('Madeleine', '{Maddie,Maddy}'),
    ('Madison', '{Maddie,Maddy}'), ('Marjorie', '{Marge,Margie}'), ('Margaret', '{Greta,Gretchen,Maisie,Meggie}'),
    ('Martha', '{Marty,Mattie,Patsy}'), ('Martin', '{Marty}'), ('Mary', '{Molly,Polly,Mae}'),
    ('Matilda', '{Tilly,Mattie,Maud}'), ('Maximilian', '{Max,Maxi}'), ('Maxwell', '{Max}'), ('Megan', '{Meg}'),
    ('Melanie', '{Mel}'), ('Melissa', '{Mel,Missy,Lissa}'), ('Melvin', '{Mel}'), ('Michelle', '{Shelly,Mitch}'),
    ('Mildred', '{Millie}'), ('Millicent', '{Millie}'), ('Miriam', '{Mimi}'), ('Mitchell', '{Mitch}'),
    ('Montgomery', '{Monty}'), ('Nancy', '{Nan}'), ('Natalie', '{Nat,Talia}'), ('Nathan', '{Nate,Nat}'),
    ('Nicole', '{Nikki,Nicky,Nic}'), ('Norman', '{Norm}'), ('Olivia', '{Liv,Livvy,Ollie}'), ('Oswald', '{Ozzie,Oz}'),
    ('Pamela', '{Pam,Pammy}'), ('Patience', '{Patty}'), ('Penelope', '{Penny,Nell}'), ('Philippa', '{Pippa,Pip}'),
    ('Phillip', '{Phil,Pip}'), ('Priscilla', '{Cilla,Prissy}'), ('Prudence', '{Prue,Prudy}'), ('Randolph', '{Randy}'),
    ('Raymond', '{Ray}'), ('Reginald', '{Reg,Reggie}'), ('Roberta', '{Bobbie,Robbie,Bobby}'), ('Rodney', '{Rod}'),
    ('Ronald', '{Ronny}'), ('Rosalind', '{Ros,Rosie}'), ('Rosemary', '{Rosie,Rose}'),
    ('Russell', '{Russ}'), ('Sabrina', '{Bri}'), ('Sebastian', '{Seb,Bastian,Basti}'), ('Sidney', '{Sid}'),
    ('Solomon', '{Sol}'), ('Sophia', '{Sophie,Sofie}'), ('Stanley', '{Stan}'), ('Stephanie', '{Steph,Stevie}'),
    ('Sylvester', '{Sly}'), ('Teresa', '{Terry,Tess,Tessa}'), ('Theresa', '{Terry,Tess,Tessa}'), ('Terence', '{Terry}'),
    ('Thaddeus', '{Tad}'), ('Tobias', '{Toby,Tobi}'), ('Valentina', '{Val,Tina}'), ('Valerie', '{Val}'),
    ('Veronica', '{Ronnie,Vera,Nicky}'), ('Virginia', '{Ginny,Ginger}'), ('Vivian', '{Viv}'), ('Wallace', '{Wally}'),
    ('Wilfred', '{Will,Fred,Wilf}'), ('Wilhelmina', '{Mina,Willa,Minnie}'),
    ('Winifred', '{Winnie,Freda}'), ('Yvonne', '{Vonnie}'), ('Zachariah', '{Zach,Zack,Zac}'),
    ('Deborah', '{Debra,Debby}'), ('Elizabeth', '{Lisa,Elsie,Liza,Beth,Betsey,Lizzy,Ellie}'),
    ('Katherine', '{Katy,Katey,Kathleen,Kit}'), ('Catherine', '{Katy,Kathy,Kitty}'), ('Kathleen', '{Kathy,Kath,Kay}'),
    ('Christopher', '{Chris,Kris}'), ('Timothy', '{Timmie}'), ('Samuel', '{Sammie}'), ('Joseph', '{Jo,Jos}'),
    ('Michael', '{Micky,Mikey,Micha}'), ('Nicholas', '{Nic}'), ('Richard', '{Dickie,Rich}'),
    ('Robert', '{Bobbie,Rab}'), ('Thomas', '{Thom}'), ('William', '{Wil,Bill,Wills}'),
    ('Harold', '{Harry}'), ('Henry', '{Harry,Henny}'), ('Jennifer', '{Jenn,Jenna}'),
    -- German, Dutch, Scandinavian
    ('Andreas', '{Andi,Andy,Anders}'), ('Bernhard', '{Bernd,Bernie}'), ('Christian', '{Chris,Christl}'),
    ('Christiane', '{Chris,Christl,Jana}'), ('Dorothea', '{Doro,Thea,Dora}'), ('Eberhard', '{Ebi}'),
    ('Florian', '{Flo}'), ('Gabriele', '{Gabi,Gaby}'), ('Gertrud', '{Trude,Gerti}'), ('Gottfried', '{Friedel}'),
    ('Hans-Peter', '{HP}'), ('Heinrich', '{Heinz,Heini,Hein}'), ('Helmut', '{Helmi}'), ('Hildegard', '{Hilde,Hildchen}'),
    ('Ingeborg', '{Inge}'), ('Jakob', '{Jockel,Kobi}'), ('Karl-Heinz', '{Kalle}'), ('Klaus', '{Klausi}'),
    ('Konrad', '{Konni}'), ('Ludwig', '{Lutz}'), ('Margarete', '{Grete,Gretel,Marga}'),
    ('Maximilian', '{Maxl}'), ('Michael', '{Michi,Micha}'), ('Nikolaus', '{Klaus,Niko}'), ('Reinhard', '{Reini}'),
    ('Rudolf', '{Rudi,Dolf}'), ('Sebastian', '{Basti,Wastl}'), ('Thomas', '{Tommi}'), ('Tobias', '{Tobi}'),
    ('Ulrich', '{Uli,Ulli}'), ('Ursula', '{Uschi,Ulla,Ursel}'), ('Walburga', '{Walli}'), ('Wilhelm', '{Willi,Willy,Wim}'),
    ('Wolfgang', '{Wolfi}'), ('Johannes', '{Hannes,Jan,Johann}'), ('Cornelia', '{Conny,Nele}'), ('Barbara', '{Babsi,Bärbel}'),
    ('Angelika', '{Geli}'), ('Gisela', '{Gisi}'), ('Rosemarie', '{Rosi}'), ('Theodor', '{Theo}'),
    ('Hendrik', '{Henk}'), ('Willem', '{Wim}'), ('Pieter', '{Piet}'), ('Cornelis', '{Kees}'), ('Johanna', '{Hanna,Jo,Hanne}'),
    ('Margaretha', '{Greet,Grietje}'), ('Gerrit', '{Gert}'), ('Lars', '{Lasse}'), ('Nils', '{Nisse}'), ('Karl', '{Kalle}'),
    -- French
    ('Alexandre', '{Alex}'), ('Catherine', '{Cathy}'), ('Christophe', '{Chris}'), ('Dominique', '{Domi}'),
    ('Élisabeth', '{Babette,Élise,Lise,Lili}'), ('Emmanuel', '{Manu}'), ('Emmanuelle', '{Manue,Manu}'),
    ('Françoise', '{Fanfan,Françou}'), ('Frédéric', '{Fred,Fredo}'), ('Guillaume', '{Guigui,Will}'),
    ('Isabelle', '{Isa,Babette}'), ('Jean-Baptiste', '{JB}'), ('Jean-Pierre', '{JP}'), ('Jean-Claude', '{JC}'),
    ('Jean-François', '{JF}'), ('Marie-Thérèse', '{Maïté}'), ('Nathalie', '{Nath}'), ('Nicolas', '{Nico,Nick}'),
    ('Philippe', '{Phil,Fifi}'), ('Sébastien', '{Seb,Bastien}'), ('Stéphane', '{Steph}'), ('Stéphanie', '{Steph,Fanny}'),
    ('Thierry', '{Titi}'), ('Valérie', '{Val}'), ('Véronique', '{Véro,Nicky}'),
    -- Italian
    ('Alessandra', '{Sandra,Ale}'), ('Antonio', '{Tonino,Totò}'), ('Beatrice', '{Bice}'), ('Domenico', '{Mimmo,Nico}'),
    ('Elisabetta', '{Betta,Elisa}'), ('Federico', '{Fede,Rico}'), ('Gianluca', '{Luca}'), ('Giovanna', '{Gianna,Vanna}'),
    ('Giuseppina', '{Pina,Giusi}'), ('Leonardo', '{Leo,Dado}'), ('Massimo', '{Max}'), ('Maurizio', '{Mauri}'),
    ('Roberto', '{Berto,Roby}'), ('Salvatore', '{Totò,Turi,Salvo}'), ('Vincenzo', '{Enzo,Vince}'),
    -- Spanish, Portuguese
    ('Alejandro', '{Alex,Ale,Jandro}'), ('Alejandra', '{Ale,Alex,Sandra}'), ('Alfonso', '{Poncho}'),
    ('Consuelo', '{Chelo}'), ('Eduardo', '{Lalo,Edu}'), ('Enrique', '{Quique,Kike}'), ('Fernando', '{Nando,Fer}'),
    ('Francisca', '{Paca,Paquita}'), ('Gregorio', '{Goyo}'), ('Guillermo', '{Memo,Guille}'), ('Jesús', '{Chuy,Chucho,Chus}'),
    ('Jorge', '{Coque}'), ('José', '{Pepito,Chepe}'), ('Josefa', '{Pepa,Pepita}'), ('Luis', '{Lucho}'),
    ('María José', '{Majo,Marijose}'), ('María', '{Mari,Maruja}'), ('Mercedes', '{Merche,Meche}'),
    ('Pilar', '{Pili}'), ('Rafael', '{Rafa}'), ('Ramón', '{Moncho}'), ('Roberto', '{Beto}'), ('Rosario', '{Charo,Chayo}'),
    ('Santiago', '{Santi,Yago}'), ('Isabel', '{Chabela,Isa}'), ('Teresa', '{Tere}'), ('Gonçalo', '{Gonça}'),
    -- Polish, Czech
    ('Andrzej', '{Jędrek}'), ('Anna', '{Ania,Anka}'), ('Barbara', '{Basia}'), ('Bartłomiej', '{Bartek}'),
    ('Dorota', '{Dorotka}'), ('Elżbieta', '{Ela,Elka}'), ('Ewa', '{Ewka}'), ('Grzegorz', '{Grzesiek,Grześ}'),
    ('Jakub', '{Kuba}'), ('Jan', '{Janek}'), ('Jarosław', '{Jarek}'), ('Joanna', '{Asia}'), ('Krzysztof', '{Krzysiek}'),
    ('Magdalena', '{Magda,Madzia}'), ('Marek', '{Mareczek}'), ('Michał', '{Michałek}'), ('Mirosław', '{Mirek}'),
    ('Paweł', '{Pawełek}'), ('Piotr', '{Piotrek}'), ('Przemysław', '{Przemek}'), ('Radosław', '{Radek}'),
    ('Sławomir', '{Sławek}'), ('Tadeusz', '{Tadek}'), ('Wiesław', '{Wiesiek}'), ('Władysław', '{Władek}'),
    ('Zbigniew', '{Zbyszek,Zbych}'), ('Jiří', '{Jirka}'), ('Josef', '{Pepa}'), ('Václav', '{Vašek}'),
    -- Russian, Ukrainian (Latin transliterations)
    ('Alexey', '{Lyosha,Alyosha}'), ('Aleksey', '{Lyosha,Alyosha}'), ('Alexander', '{Sasha,Shura}'),
    ('Anastasiya', '{Nastya}'), ('Andrei', '{Andryusha}'), ('Andrey', '{Andryusha}'), ('Anna', '{Anya}'),
    ('Boris', '{Borya}'), ('Daria', '{Dasha}'), ('Darya', '{Dasha}'), ('Dmitri', '{Dima,Mitya}'), ('Evgeny', '{Zhenya}'),
    ('Yevgeny', '{Zhenya}'), ('Evgenia', '{Zhenya}'), ('Galina', '{Galya}'), ('Grigory', '{Grisha}'),
    ('Irina', '{Ira}'), ('Konstantin', '{Kostya}'), ('Lyudmila', '{Luda,Lyuda,Mila}'), ('Maria', '{Masha,Manya}'),
    ('Mariya', '{Masha}'), ('Nadezhda', '{Nadya}'), ('Natalya', '{Natasha}'), ('Nikolay', '{Kolya}'),
    ('Pavel', '{Pasha}'), ('Pyotr', '{Petya}'), ('Sergei', '{Seryozha}'), ('Sergey', '{Seryozha}'),
    ('Tatyana', '{Tanya}'), ('Valentina', '{Valya}'), ('Viktor', '{Vitya}'), ('Yekaterina', '{Katya,Katia}'),
    ('Yulia', '{Yulya}'), ('Yuliya', '{Yulya}'), ('Yuri', '{Yura}'), ('Yury', '{Yura}'), ('Oleksandr', '{Sasha}'),
    ('Volodymyr', '{Volodya}'), ('Mykola', '{Kolya}'),
    -- Greek (Latin transliterations)
    ('Aikaterini', '{Katina,Kate}'), ('Anastasia', '{Natasa,Tasia}'), ('Athanasios', '{Thanos,Thanasis,Sakis}'),
    ('Charalampos', '{Babis,Bambos}'), ('Dimitrios', '{Jim,Mimis}'), ('Eirini', '{Irene,Rena}'), ('Eleni', '{Helen,Lena}'),
    ('Evangelos', '{Vangelis}'), ('Georgios', '{George,Giorgos}'), ('Ioannis', '{John,Yannis,Giannis}'),
    ('Konstantinos', '{Gus,Kostis,Costas}'), ('Maria', '{Marika}'), ('Michail', '{Michalis,Mike}'),
    ('Nikolaos', '{Nikos,Nick}'), ('Panagiotis', '{Panos,Takis}'), ('Paraskevi', '{Voula,Evi,Vivi}'),
    ('Spyridon', '{Spyros}'), ('Stavros', '{Stav}'), ('Theodoros', '{Theo,Thodoris}'), ('Vasileios', '{Bill,Vasilis}'),
    ('Vasiliki', '{Vaso,Vicky,Vasso}')
) AS v(name, aliases)
CROSS JOIN LATERAL unnest(v.aliases::text[]) AS a(alias)
WHERE v.name <> a.alias
ON CONFLICT DO NOTHING;
