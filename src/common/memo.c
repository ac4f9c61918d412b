/*
 * memo.c — bounded per-backend memos of pure text functions (ci_common.h).
 *
 * A generated column of ci.source_record is computed for every row written,
 * and the same inputs come back again and again: one person's phone number
 * in each of its sources, a household's landline, the given name that
 * normalize_name sees up to eight times per row (its own column, then again
 * in each branch of name_pair_norm and name_pair_dm), the Double Metaphone
 * code of each name four times.  A memo remembers the last results, keyed on the exact input
 * bytes (and whatever else the function depends on, put in the key by the
 * caller), so a repeat costs a hash and a memcmp.
 *
 * Direct-mapped: a key has one slot, a new key overwrites the slot's old
 * one.  Memory is fixed (nslots * (max_key + max_value + header)), taken
 * from TopMemoryContext on first use; keys or values longer than the
 * bounds are simply not remembered.  Only for functions whose result
 * depends on nothing but the key within one backend (IMMUTABLE, and the
 * database encoding, fixed for the backend's life).
 */
#include "ci_common.h"

#include "common/hashfn.h"
#include "utils/memutils.h"

/* One slot: header, then max_key key bytes, then max_value value bytes. */
typedef struct CiMemoSlot
{
	uint32		hash;
	int16		key_len;		/* -1: empty slot */
	int16		value_len;		/* -1: the function returned NULL */
} CiMemoSlot;

static inline char *
memo_slot(CiMemo *m, uint32 i)
{
	return m->slots + (Size) i * m->slot_size;
}

static void
memo_allocate(CiMemo *m)
{
	m->slot_size = MAXALIGN(sizeof(CiMemoSlot) + m->max_key + m->max_value);
	m->slots = MemoryContextAllocExtended(TopMemoryContext,
										  (Size) m->nslots * m->slot_size,
										  MCXT_ALLOC_NO_OOM);
	if (m->slots == NULL)
		return;					/* no memo: every call computes */
	for (uint32 i = 0; i < m->nslots; i++)
		((CiMemoSlot *) memo_slot(m, i))->key_len = -1;
}

bool
ci_memo_get(CiMemo *m, const char *key, int key_len, uint32 *hash,
			const char **value, int *value_len)
{
	CiMemoSlot *slot;

	*hash = 0;
	if (key_len > m->max_key)
		return false;
	*hash = hash_bytes((const unsigned char *) key, key_len);
	if (m->slots == NULL)
	{
		if (m->allocated)
			return false;
		m->allocated = true;
		memo_allocate(m);
		if (m->slots == NULL)
			return false;
	}
	slot = (CiMemoSlot *) memo_slot(m, *hash & (m->nslots - 1));
	if (slot->key_len != key_len || slot->hash != *hash ||
		memcmp((char *) (slot + 1), key, key_len) != 0)
		return false;
	*value_len = slot->value_len;
	*value = (char *) (slot + 1) + m->max_key;
	return true;
}

void
ci_memo_put(CiMemo *m, const char *key, int key_len, uint32 hash,
			const char *value, int value_len)
{
	CiMemoSlot *slot;

	if (m->slots == NULL || key_len > m->max_key || value_len > m->max_value)
		return;
	slot = (CiMemoSlot *) memo_slot(m, hash & (m->nslots - 1));
	slot->hash = hash;
	slot->key_len = key_len;
	slot->value_len = value_len;
	memcpy((char *) (slot + 1), key, key_len);
	if (value_len > 0)
		memcpy((char *) (slot + 1) + m->max_key, value, value_len);
}
