/*
 * insert_client: single-row INSERTs into ci.source_record as an
 * application sends them, one row per transaction, values bound as
 * parameters (bench/load_speed.sh, issue 13's "single-row inserts").
 *
 * pgbench cannot bind string values it did not compute, so a pgbench
 * script has to fetch each record from a side table in the same statement
 * (INSERT ... SELECT ... WHERE record_id = random).  This client reads the
 * records from a COPY text file instead and sends each as INSERT ...
 * VALUES ($1, ...), attributes included, as an application does.
 * (PGBENCH=1 bench/single_row_pool.sh measures the two side by side.)
 *
 *   insert_client -f FILE [-c CLIENTS] [-T SECONDS] [-M prepared|params] [-k KEY_PREFIX]
 *
 * FILE holds bench/load_speed.sh's columns (record_id, source, source_key,
 * given_name, family_name, email, phone, birth_date, national_id, street,
 * city, postcode, country, attributes, updated_at).  Every insert takes a
 * random record's values under a new source_key (KEY_PREFIX-client-n).
 * Connection settings come from the environment (PGHOST, PGPORT,
 * PGDATABASE ...).  Prints "<inserts> <seconds>".
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#define NFIELDS 15              /* columns of a line of FILE */
#define NPARAMS 13              /* source .. attributes */
#define FIRST_PARAM 1           /* FILE's column of $1 (source) */

static const char *insert_sql =
"INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, phone, "
"birth_date, national_id, street, city, postcode, country, attributes) "
"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

static char **records;          /* NFIELDS pointers per record; NULL for \N */
static long n_records;
static double run_seconds = 10;
static int prepared = 1;
static const char *key_prefix = "single";

typedef struct
{
    int         id;
    long        inserts;
    char        error[512];
} Client;

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* COPY text format: undo the backslash escapes of one field in place. */
static char *
unescape(char *s)
{
    char       *r = s,
               *w = s;

    if (strcmp(s, "\\N") == 0)
        return NULL;
    while (*r)
    {
        if (*r == '\\' && r[1])
        {
            r++;
            switch (*r)
            {
                case 't': *w++ = '\t'; break;
                case 'n': *w++ = '\n'; break;
                case 'r': *w++ = '\r'; break;
                case 'b': *w++ = '\b'; break;
                case 'f': *w++ = '\f'; break;
                case 'v': *w++ = '\v'; break;
                default: *w++ = *r; break;
            }
            r++;
        }
        else
            *w++ = *r++;
    }
    *w = '\0';
    return s;
}

static void
read_records(const char *path)
{
    FILE       *f = fopen(path, "r");
    char       *line = NULL;
    size_t      cap = 0;
    ssize_t     len;
    long        allocated = 0;

    if (f == NULL)
    {
        fprintf(stderr, "insert_client: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    while ((len = getline(&line, &cap, f)) > 0)
    {
        char       *copy,
                   *field;
        int         i;

        if (line[len - 1] == '\n')
            line[--len] = '\0';
        if (n_records == allocated)
        {
            allocated = allocated ? 2 * allocated : 65536;
            records = realloc(records, sizeof(char *) * NFIELDS * allocated);
            if (records == NULL)
            {
                fprintf(stderr, "insert_client: out of memory\n");
                exit(1);
            }
        }
        copy = strdup(line);
        if (copy == NULL)
        {
            fprintf(stderr, "insert_client: out of memory\n");
            exit(1);
        }
        field = copy;
        for (i = 0; i < NFIELDS; i++)
        {
            char       *tab = strchr(field, '\t');

            if (tab == NULL && i < NFIELDS - 1)
            {
                fprintf(stderr, "insert_client: %s line %ld: %d columns, %d expected\n",
                        path, n_records + 1, i + 1, NFIELDS);
                exit(1);
            }
            if (tab)
                *tab = '\0';
            records[n_records * NFIELDS + i] = unescape(field);
            field = tab ? tab + 1 : field + strlen(field);
        }
        n_records++;
    }
    free(line);
    fclose(f);
    if (n_records == 0)
    {
        fprintf(stderr, "insert_client: %s holds no records\n", path);
        exit(1);
    }
}

static void *
run_client(void *arg)
{
    Client     *c = arg;
    PGconn     *conn = PQconnectdb("");
    uint64_t    rng = 0x9E3779B97F4A7C15ULL * (uint64_t) (c->id + 1);
    const char *values[NPARAMS];
    char        key[64];
    double      deadline;

    if (PQstatus(conn) != CONNECTION_OK)
    {
        snprintf(c->error, sizeof(c->error), "%s", PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    if (prepared)
    {
        PGresult   *res = PQprepare(conn, "ins", insert_sql, NPARAMS, NULL);

        if (PQresultStatus(res) != PGRES_COMMAND_OK)
        {
            snprintf(c->error, sizeof(c->error), "%s", PQerrorMessage(conn));
            PQclear(res);
            PQfinish(conn);
            return NULL;
        }
        PQclear(res);
    }
    deadline = now() + run_seconds;
    while (now() < deadline)
    {
        char      **rec;
        PGresult   *res;
        int         i;

        /* xorshift64: a random record per insert, no lock shared by threads */
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rec = &records[(long) (rng % (uint64_t) n_records) * NFIELDS];
        for (i = 0; i < NPARAMS; i++)
            values[i] = rec[FIRST_PARAM + i];
        snprintf(key, sizeof(key), "%s-%d-%ld", key_prefix, c->id, c->inserts);
        values[1] = key;
        if (prepared)
            res = PQexecPrepared(conn, "ins", NPARAMS, values, NULL, NULL, 0);
        else
            res = PQexecParams(conn, insert_sql, NPARAMS, NULL, values, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
        {
            snprintf(c->error, sizeof(c->error), "%s", PQerrorMessage(conn));
            PQclear(res);
            break;
        }
        PQclear(res);
        c->inserts++;
    }
    PQfinish(conn);
    return NULL;
}

int
main(int argc, char **argv)
{
    const char *path = NULL;
    int         clients = 1,
                opt,
                i;
    long        total = 0;
    Client     *cs;
    pthread_t  *threads;
    double      t0;

    while ((opt = getopt(argc, argv, "f:c:T:M:k:")) != -1)
    {
        switch (opt)
        {
            case 'f': path = optarg; break;
            case 'c': clients = atoi(optarg); break;
            case 'T': run_seconds = atof(optarg); break;
            case 'M': prepared = strcmp(optarg, "params") != 0; break;
            case 'k': key_prefix = optarg; break;
            default:
                fprintf(stderr, "usage: insert_client -f FILE [-c CLIENTS] [-T SECONDS] [-M prepared|params] [-k KEY_PREFIX]\n");
                return 2;
        }
    }
    if (path == NULL || clients < 1 || run_seconds <= 0)
    {
        fprintf(stderr, "insert_client: -f FILE is required; CLIENTS and SECONDS must be positive\n");
        return 2;
    }
    read_records(path);
    cs = calloc(clients, sizeof(Client));
    threads = calloc(clients, sizeof(pthread_t));
    if (cs == NULL || threads == NULL)
    {
        fprintf(stderr, "insert_client: out of memory\n");
        return 1;
    }
    t0 = now();
    for (i = 0; i < clients; i++)
    {
        cs[i].id = i;
        if (pthread_create(&threads[i], NULL, run_client, &cs[i]) != 0)
        {
            fprintf(stderr, "insert_client: cannot start client %d\n", i);
            return 1;
        }
    }
    for (i = 0; i < clients; i++)
        pthread_join(threads[i], NULL);
    for (i = 0; i < clients; i++)
    {
        if (cs[i].error[0])
        {
            fprintf(stderr, "insert_client: client %d: %s", i, cs[i].error);
            return 1;
        }
        total += cs[i].inserts;
    }
    printf("%ld %.3f\n", total, now() - t0);
    return 0;
}
