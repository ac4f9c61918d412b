# customer_intel — PGXS build.
#
# The install script is concatenated from the SQL parts that live beside
# the C of each capability, in the order of CAPABILITIES (a later
# capability may use an earlier one's objects, never the reverse).

EXTENSION   = customer_intel
EXTVERSION  = 0.1.0
MODULE_big  = customer_intel

CAPABILITIES = common match survive consent

C_SOURCES   = $(sort $(foreach c,$(CAPABILITIES),$(wildcard src/$(c)/*.c)))
CXX_SOURCES = $(sort $(foreach c,$(CAPABILITIES),$(wildcard src/$(c)/*.cpp)))
SQL_PARTS   = $(foreach c,$(CAPABILITIES),$(sort $(wildcard src/$(c)/*.sql)))
OBJS        = $(C_SOURCES:.c=.o) $(CXX_SOURCES:.cpp=.o)

DATA_built  = $(EXTENSION)--$(EXTVERSION).sql
EXTRA_CLEAN = $(EXTENSION)--$(EXTVERSION).sql

# pg_regress: every sql/<name>.sql with expected/<name>.out, in name order.
REGRESS      = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --inputdir=. --load-extension=$(EXTENSION)

# isolation specs: test/isolation/specs/<name>.spec with test/isolation/expected/<name>.out.
ISOLATION      = $(patsubst test/isolation/specs/%.spec,%,$(sort $(wildcard test/isolation/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=$(EXTENSION)

PG_CONFIG ?= pg_config

# -Wextra's unused-parameter and missing-field-initializers fire on every
# PG_FUNCTION_ARGS and on PostgreSQL's own designated initialisers: off.
PG_CPPFLAGS = -Isrc -Isrc/common $(shell pkg-config --cflags icu-uc icu-i18n) \
              -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
PG_CXXFLAGS = -std=c++17 -fno-omit-frame-pointer
SHLIB_LINK  = $(shell pkg-config --libs icu-uc icu-i18n) -lphonenumber -lstdc++

# No LLVM bitcode: the JIT gains nothing from inlining our entry points, and
# the C++ phone shim must never be compiled into JIT-inlinable bitcode.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS) Makefile
	{ printf '%s\n' '-- customer_intel $(EXTVERSION): generated from src/*/*.sql by make; edit those.' \
	    '\echo Use "CREATE EXTENSION $(EXTENSION)" to load this file. \quit'; \
	  for f in $(SQL_PARTS); do printf '\n-- ---- %s ----\n' "$$f"; cat "$$f"; done; } > $@

# Warnings are errors in CI builds (make WERROR=1).
ifdef WERROR
override CFLAGS += -Werror
override CXXFLAGS += -Werror
endif

# PGXS does not track headers; every object depends on every header of ours.
$(OBJS): $(wildcard src/*/*.h)
