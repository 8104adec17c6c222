/* The matcher's compiled core (see kernel.py for the layout it reads).
 *
 * For one post: cut its text into words eight bytes at a time (lowering ASCII
 * letters; any other text comes folded), find each word and each wildcard
 * prefix among the filed keys (an open-addressing table: a word of up to
 * eight bytes is found by its bytes themselves, a longer one by a hash and
 * its bytes compared, so a collision never matches), set the bits the keys
 * post in one byte per slot (a whole row at once for a common key), read the
 * slots whose byte is all ones, put the bytes back, and return the matched
 * ids as Python lists. No Python object is made per word.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define FNV_OFFSET 0xCBF29CE484222325ULL
#define FNV_PRIME 0x100000001B3ULL
#define STAR 42
#define EMPTY_KEY (-1)
#define LOW7 0x7F7F7F7F7F7F7F7FULL
#define HIGH 0x8080808080808080ULL
#define ONES 0x0101010101010101ULL
#define WORD_MUL 0x9E3779B97F4A7C15ULL
/* A table entry's second word: the key id, this flag for a key of at most
   eight bytes (its first word is then the bytes), and where the bytes start
   (above bit 32). */
#define SHORT_KEY 0x80000000LL
#define KEY_ID 0x7FFFFFFFLL
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "scan() reads eight slots as one little-endian word"
#endif
#define MAX_ITEMS 16 /* items of one positional condition (kernel.py) */
/* A slot's needs_check byte (matcher.py): what its query needs once its keys
   hold (the low bits), and whether the query has other slots. */
#define NEEDS 3
#define POSITIONS 1
#define EVALUATE 2
#define SHARED 4
/* The loops over every slot, built twice where the loader can pick one
   (GNU ifunc): for AVX2 and for any x86-64. */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__GLIBC__)
#define WIDE __attribute__((target_clones("avx2", "default")))
#else
#define WIDE
#endif

/* Columns of the per-key table (kernel.py). */
enum { K_START, K_LEN, S_START, S_LEN, C_START, C_LEN, D_ROW, COLUMNS };

/* A word of the post: its hash, where it starts in Kernel.word, its length. */
typedef struct {
    uint64_t hash;
    int32_t at, len;
} Word;

typedef struct {
    PyObject_HEAD
    int bound;
    Py_buffer table, kbytes, kinfo, prefix_len, pool, rows, data, base, needs_check, prog, prog_at,
        owner; /* owner: slot -> the first slot of its query */
    int32_t *mark; /* per slot: the stamp of the last post that listed its query */
    Py_ssize_t mark_cap;
    Py_ssize_t rows_width;
    int bits; /* log2 of the table's entries */
    PyObject *ids; /* list: slot -> query id */
    int32_t *seen; /* per key (and one for none): the stamp of the last post holding it */
    Py_ssize_t seen_cap, keys;
    int32_t stamp;
    int64_t *found;
    Py_ssize_t found_cap;
    const uint8_t **rowp; /* the rows of the keys found */
    Py_ssize_t rowp_cap;
    int32_t *hits; /* the matched slots, with room for eight more (scan) */
    Py_ssize_t hits_cap;
    uint8_t *text; /* the post's text, then zeros to read eight bytes past its end */
    Py_ssize_t text_cap;
    uint8_t *word; /* the post's words, lowered, each at a multiple of eight, zeros after */
    Py_ssize_t word_cap;
    Word *words;
    Py_ssize_t words_cap;
    int64_t *toks; /* the post's words as key ids (-1: no key), title first */
    Py_ssize_t toks_cap, ntoks, ntitle;
    int64_t *scratch; /* start positions of NEAR items */
    Py_ssize_t scratch_cap;
} Kernel;

static void release(Kernel *k) {
    if (!k->bound) return;
    PyBuffer_Release(&k->table);
    PyBuffer_Release(&k->kbytes);
    PyBuffer_Release(&k->kinfo);
    PyBuffer_Release(&k->prefix_len);
    PyBuffer_Release(&k->pool);
    PyBuffer_Release(&k->rows);
    PyBuffer_Release(&k->data);
    PyBuffer_Release(&k->base);
    PyBuffer_Release(&k->needs_check);
    PyBuffer_Release(&k->prog);
    PyBuffer_Release(&k->prog_at);
    PyBuffer_Release(&k->owner);
    Py_CLEAR(k->ids);
    k->bound = 0;
}

static void Kernel_dealloc(Kernel *k) {
    release(k);
    PyMem_Free(k->seen);
    PyMem_Free(k->mark);
    PyMem_Free(k->found);
    PyMem_Free(k->rowp);
    PyMem_Free(k->hits);
    PyMem_Free(k->toks);
    PyMem_Free(k->text);
    PyMem_Free(k->word);
    PyMem_Free(k->words);
    PyMem_Free(k->scratch);
    Py_TYPE(k)->tp_free((PyObject *)k);
}

static int grow(void **arr, Py_ssize_t *cap, Py_ssize_t need, size_t item, int zero) {
    if (need <= *cap) return 0;
    Py_ssize_t n = need > 2 * *cap ? need : 2 * *cap;
    void *p = PyMem_Realloc(*arr, (size_t)n * item);
    if (!p) {
        PyErr_NoMemory();
        return -1;
    }
    if (zero) memset((char *)p + (size_t)*cap * item, 0, (size_t)(n - *cap) * item);
    *arr = p;
    *cap = n;
    return 0;
}

static uint64_t fnv(const uint8_t *s, Py_ssize_t n) {
    uint64_t h = FNV_OFFSET;
    for (Py_ssize_t j = 0; j < n; j++) h = (h ^ s[j]) * FNV_PRIME;
    return h;
}

static inline uint64_t load8(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* One more eight bytes of a word into its hash. */
static inline uint64_t mix(uint64_t h, uint64_t eight) {
    return ((h << 26 | h >> 38) ^ eight) * WORD_MUL;
}

/* The n < 8 bytes at p, zeros after them. */
static inline uint64_t load_short(const uint8_t *p, Py_ssize_t n) {
    uint64_t v = 0;
    memcpy(&v, p, (size_t)n);
    return v;
}

/* The hash of a key (not a wildcard prefix) of n bytes at w, as post_keys
   hashes a word: eight bytes at a time, the last ones followed by zeros. */
static uint64_t word_hash(const uint8_t *w, Py_ssize_t n) {
    uint64_t h = 0;
    for (Py_ssize_t j = 0; j < n; j += 8)
        h = mix(h, n - j >= 8 ? load8(w + j) : load_short(w + j, n - j));
    return h;
}

/* log2 of a table's entries (a power of two, at least two). */
static int table_bits(Py_ssize_t cap) {
    int bits = 1;
    while (((Py_ssize_t)1 << bits) < cap) bits++;
    return bits;
}

/* Where a hash starts looking in a table of 2**bits entries: its high bits,
   which every byte hashed reaches. */
static inline Py_ssize_t home(uint64_t h, int bits) {
    return (Py_ssize_t)(h >> (64 - bits));
}

/* Enter an entry under tag, looked for from h. */
static void insert(int64_t *table, int bits, uint64_t h, uint64_t tag, int64_t entry) {
    Py_ssize_t mask = ((Py_ssize_t)1 << bits) - 1, i = home(h, bits);
    while (table[2 * i + 1] != EMPTY_KEY) i = (i + 1) & mask;
    table[2 * i] = (int64_t)tag;
    table[2 * i + 1] = entry;
}

/* fill(table, kbytes, kinfo, first, end): enter keys first..end-1 in the table. */
static PyObject *fill(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer table, kbytes, kinfo;
    Py_ssize_t first, end;
    if (!PyArg_ParseTuple(args, "w*y*y*nn", &table, &kbytes, &kinfo, &first, &end)) return NULL;
    int64_t *t = table.buf;
    const int64_t *info = kinfo.buf;
    const uint8_t *kb = kbytes.buf;
    Py_ssize_t cap = table.len / 16, rows = kinfo.len / (COLUMNS * 8);
    if (cap < 2 || cap & (cap - 1) || end > rows || first < 0 || end > KEY_ID) {
        PyErr_SetString(PyExc_ValueError, "fill: table size not a power of two or key out of range");
    } else {
        int bits = table_bits(cap);
        for (Py_ssize_t kid = first; kid < end; kid++) {
            const int64_t *row = info + kid * COLUMNS;
            Py_ssize_t start = row[K_START], n = row[K_LEN];
            if (start < 0 || n < 0 || start + n >= kbytes.len || kb[start + n] || start > INT32_MAX) {
                PyErr_SetString(PyExc_ValueError, "fill: a key's bytes do not end with a zero");
                break;
            }
            int64_t entry = kid | (int64_t)start << 32;
            if (n && kb[start] == STAR) {
                uint64_t h = fnv(kb + start, n);
                insert(t, bits, h, h, entry);
                continue;
            }
            uint64_t h = word_hash(kb + start, n);
            if (n <= 8)
                insert(t, bits, h, n == 8 ? load8(kb + start) : load_short(kb + start, n),
                       entry | SHORT_KEY);
            else
                insert(t, bits, h, h, entry);
        }
    }
    PyBuffer_Release(&table);
    PyBuffer_Release(&kbytes);
    PyBuffer_Release(&kinfo);
    if (PyErr_Occurred()) return NULL;
    Py_RETURN_NONE;
}

/* Whether the key whose bytes are at s is word[0:n]. A key's bytes end with a
   zero, which no word holds: the first difference comes at the latest there,
   and equal bytes up to it mean equal keys. */
static inline int same_key(const uint8_t *s, const uint8_t *word, Py_ssize_t n) {
    Py_ssize_t j = 0;
    while (j < n && s[j] == word[j]) j++;
    return j == n && !s[n];
}

/* The id of the key "*" + word[0:n] (a wildcard prefix, FNV-1a hash h), or -1. */
static int64_t find_prefix(const Kernel *k, uint64_t h, const uint8_t *word, Py_ssize_t n) {
    const int64_t *table = k->table.buf;
    const uint8_t *kb = k->kbytes.buf;
    Py_ssize_t cap = k->table.len / 16, i = home(h, k->bits);
    for (;;) {
        int64_t entry = table[2 * i + 1];
        if (entry == EMPTY_KEY) return -1;
        if (table[2 * i] == (int64_t)h && !(entry & SHORT_KEY)) {
            const uint8_t *s = kb + (entry >> 32);
            if (*s == STAR && same_key(s + 1, word, n)) return entry & KEY_ID;
        }
        i = (i + 1) & (cap - 1);
    }
}

/* The id of the key word[0:n] (lowered, zeros after it; hash h), or -1. A
   word of up to eight bytes is its own tag (no word holds a zero byte); a
   longer one is compared with the key's bytes. */
static int64_t find_word(const Kernel *k, uint64_t h, const uint8_t *word, Py_ssize_t n) {
    const int64_t *table = k->table.buf;
    Py_ssize_t cap = k->table.len / 16, i = home(h, k->bits);
    int64_t want = n <= 8 ? SHORT_KEY : 0;
    uint64_t tag = n <= 8 ? load8(word) : h;
    for (;;) {
        int64_t entry = table[2 * i + 1];
        int hit = entry != EMPTY_KEY && (uint64_t)table[2 * i] == tag && (entry & SHORT_KEY) == want;
        if (hit && !want)
            hit = same_key((const uint8_t *)k->kbytes.buf + (entry >> 32), word, n);
        /* One branch, mostly taken at the first entry. */
        if (hit | (entry == EMPTY_KEY)) return hit ? entry & KEY_ID : -1;
        i = (i + 1) & (cap - 1);
    }
}

/* Add key kid (-1: none) to the first count found, unless there already;
   returns the new count. Without a branch: whether a word is a key, and new,
   is no pattern a CPU predicts (seen[keys] stands for "none", always seen). */
static inline Py_ssize_t take(Kernel *k, int64_t kid, Py_ssize_t count) {
    Py_ssize_t at = kid < 0 ? k->keys : kid;
    int fresh = k->seen[at] != k->stamp;
    k->seen[at] = k->stamp;
    k->found[count] = kid;
    return count + fresh;
}

/* The high bit of each byte of c7 (bytes below 0x80) from lo to hi. */
static inline uint64_t within(uint64_t c7, uint8_t lo, uint8_t hi) {
    return (c7 + ONES * (0x80 - lo)) & ~(c7 + ONES * (0x7F - hi)) & HIGH;
}

/* The high bit of each zero byte of v, exactly. */
static inline uint64_t zeros(uint64_t v) {
    return ~(((v & LOW7) + LOW7) | v | LOW7);
}

/* The high bit of each byte of c that belongs to a word: an ASCII letter or
   digit, or (folded text, words joined by spaces) any byte but a space; a
   zero byte never does. */
static inline uint64_t word_bytes(uint64_t c, int ascii) {
    if (!ascii) return ~(zeros(c) | zeros(c ^ ONES * ' ')) & HIGH;
    uint64_t c7 = c & LOW7;
    return (within(c7 | ONES * 0x20, 'a', 'z') | within(c7, '0', '9')) & ~c;
}

/* c with its ASCII capitals lowered. */
static inline uint64_t lowered(uint64_t c) {
    return c | (within(c & LOW7, 'A', 'Z') & ~c) >> 2;
}

/* The ids of the keys the words of text[0:n] and their wildcard prefixes
   hold, each once, in k->found; each word's key id in k->toks (the words
   starting before title_end are the title's). First every word is cut,
   eight bytes at a time from a copy of the text with zeros after it, lowered
   into k->word (each at a multiple of eight, zeros after it) and hashed, and
   its table entry fetched ahead; then the words are looked up, their
   entries in the cache by then. */
static Py_ssize_t post_keys(Kernel *k, const uint8_t *text, Py_ssize_t n, int ascii,
                            Py_ssize_t title_end) {
    const uint8_t *plen = k->prefix_len.buf;
    const int64_t *table = k->table.buf;
    Py_ssize_t longest = k->prefix_len.len - 1, count = 0, j = 0, words = 0, at = 0;
    uint8_t *t = k->text, *w = k->word;
    memcpy(t, text, (size_t)n);
    memset(t + n, 0, 16);
    k->ntitle = 0;
    while (j < n) {
        uint64_t c = load8(t + j), m = word_bytes(c, ascii);
        if (!(m & 0x80)) { /* to the next word's first byte (the zeros hold none) */
            j += m ? __builtin_ctzll(m) >> 3 : 8;
            continue;
        }
        Py_ssize_t start = j, len = 0;
        uint64_t h = 0;
        for (;;) {
            uint64_t stop = ~m & HIGH, low = lowered(c);
            if (stop) {
                int b = __builtin_ctzll(stop) >> 3;
                low = b ? low & (~0ULL >> (64 - 8 * b)) : 0;
                memcpy(w + at + len, &low, 8);
                if (b) h = mix(h, low);
                len += b;
                break;
            }
            memcpy(w + at + len, &low, 8);
            h = mix(h, low);
            len += 8;
            c = load8(t + start + len);
            m = word_bytes(c, ascii);
        }
        /* The last eight bytes stored end the word with zeros. */
        j = start + len;
        __builtin_prefetch(table + 2 * home(h, k->bits));
        k->words[words++] = (Word){h, (int32_t)at, (int32_t)len};
        k->ntitle += start < title_end;
        at += (len + 15) / 8 * 8;
    }
    for (Py_ssize_t i = 0; i < words; i++) {
        const uint8_t *word = w + k->words[i].at;
        Py_ssize_t len = k->words[i].len;
        if (longest > 0) {
            /* Each prefix, as far as the longest filed, that ends where a
               character ends (UTF-8 continuation bytes are 10xxxxxx). */
            uint64_t hp = (FNV_OFFSET ^ STAR) * FNV_PRIME;
            Py_ssize_t chars = 0;
            for (Py_ssize_t b = 0; b < len && chars < longest; b++) {
                hp = (hp ^ word[b]) * FNV_PRIME;
                if (b + 1 == len || (word[b + 1] & 0xC0) != 0x80) {
                    chars++;
                    if (plen[chars]) count = take(k, find_prefix(k, hp, word, b + 1), count);
                }
            }
        }
        int64_t kid = find_word(k, k->words[i].hash, word, len);
        count = take(k, kid, count);
        k->toks[i] = kid;
    }
    k->ntoks = words;
    return count;
}

/* Set (value 1) or clear the bits of the postings p..e-1, held as slot << 8
   | the plane's bit (kernel.pooled: no shift by a variable count). */
static void put(uint8_t *data, const int64_t *p, const int64_t *e, int value) {
    if (value)
        for (; p < e; p++) data[*p >> 8] |= (uint8_t)*p;
    else
        for (; p < e; p++) data[*p >> 8] &= (uint8_t)~*p;
}

/* Set or clear the bits the first count keys post in columns
   col_start/col_len; with skip_rows, leave the keys that have a row. Returns
   whether some key was left. */
static int bits(const Kernel *k, Py_ssize_t count, int col_start, int col_len, int value,
                int skip_rows) {
    const int64_t *info = k->kinfo.buf, *pool = k->pool.buf;
    int left = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        const int64_t *row = info + k->found[i] * COLUMNS;
        if (skip_rows && row[D_ROW] >= 0) {
            left = 1;
            continue;
        }
        put(k->data.buf, pool + row[col_start], pool + row[col_start] + row[col_len], value);
    }
    return left;
}

typedef uint64_t v4du __attribute__((vector_size(32)));

/* OR the rows of the first count keys that have one into the slot bytes,
   32 bytes at a time: the rows and the slot bytes are as wide as the slot
   capacity, a multiple of 64 slots, so rounding up stays inside. */
WIDE static void or_rows(Kernel *k, Py_ssize_t count, Py_ssize_t high) {
    const int64_t *info = k->kinfo.buf;
    uint8_t *data = k->data.buf;
    const uint8_t **rows = k->rowp;
    Py_ssize_t n = 0, end = (high + 31) / 32 * 32;
    for (Py_ssize_t i = 0; i < count; i++) {
        int64_t r = info[k->found[i] * COLUMNS + D_ROW];
        if (r >= 0) rows[n++] = (const uint8_t *)k->rows.buf + r * k->rows_width;
    }
    for (Py_ssize_t at = 0; at < end; at += 32) {
        v4du acc, row;
        memcpy(&acc, data + at, sizeof acc);
        for (Py_ssize_t i = 0; i < n; i++) {
            memcpy(&row, rows[i] + at, sizeof row);
            acc |= row;
        }
        memcpy(data + at, &acc, sizeof acc);
    }
}

/* For each set of eight slots (a bit each), the offsets of its slots in
   order, and how many there are. */
static int32_t lanes[256][8];
static uint8_t lane_count[256];
typedef int32_t v4si __attribute__((vector_size(16)));

/* The slots below high whose byte is all ones, in k->hits, read eight at a
   time; *special says whether some of them need more than their keys
   (needs_check not 0). */
WIDE static Py_ssize_t scan(const Kernel *k, Py_ssize_t high, int *special) {
    const uint64_t *restrict words = k->data.buf, *restrict check = k->needs_check.buf;
    int32_t *restrict out = k->hits;
    Py_ssize_t hits = 0, n = (high + 7) / 8;
    uint64_t any = 0;
    for (Py_ssize_t w = 0; w < n; w++) {
        uint64_t v = ~words[w]; /* a matching slot is a zero byte here */
        /* The high bit of each zero byte, exactly (no borrow between bytes);
           slots past high are free (preset 0) and never match. */
        uint64_t z = ~(((v & LOW7) + LOW7) | v | LOW7) >> 7;
        if (!z) continue;
        any |= check[w] & (z * 0xFF);
        /* The eight flags gathered into one byte, then the offsets of that
           byte's slots written all at once (the count says how many hold). */
        unsigned mask = (unsigned)((z * 0x0102040810204080ULL) >> 56);
        int32_t first = (int32_t)(w * 8);
        v4si lo, hi, base = {first, first, first, first};
        memcpy(&lo, lanes[mask], sizeof lo);
        memcpy(&hi, lanes[mask] + 4, sizeof hi);
        lo += base;
        hi += base;
        memcpy(out + hits, &lo, sizeof lo);
        memcpy(out + hits + 4, &hi, sizeof hi);
        hits += lane_count[mask];
    }
    *special = any != 0;
    return hits;
}

/* Where (from lo, before hi) the word ids seq[0..len) occur in a row; returns how many. */
static Py_ssize_t starts(const Kernel *k, Py_ssize_t lo, Py_ssize_t hi, const int64_t *seq,
                         int64_t len, int64_t *out) {
    Py_ssize_t n = 0;
    for (Py_ssize_t p = lo; p + len <= hi; p++) {
        int64_t j = 0;
        while (j < len && k->toks[p + j] == seq[j]) j++;
        if (j == len) out[n++] = p;
    }
    return n;
}

/* Whether the items of one condition occur in the words lo..hi-1, as
   predicates.near_ok (and phrase_starts for one item) say. */
static int holds_in(const Kernel *k, int64_t kind, int64_t distance, int64_t items,
                    const int64_t *item, Py_ssize_t lo, Py_ssize_t hi) {
    Py_ssize_t span = hi - lo + 1;
    const int64_t *seq[MAX_ITEMS];
    int64_t len[MAX_ITEMS];
    Py_ssize_t count[MAX_ITEMS];
    int64_t *found[MAX_ITEMS];
    if (items < 1 || items > MAX_ITEMS) return 0; /* kernel.program never writes these */
    for (int64_t i = 0; i < items; i++) {
        len[i] = item[0];
        seq[i] = item + 1;
        item += 1 + item[0];
        found[i] = k->scratch + i * span;
        count[i] = starts(k, lo, hi, seq[i], len[i], found[i]);
        if (!count[i]) return 0;
    }
    if (kind == 0) return 1; /* a phrase: it occurs */
    if (kind == 2) {
        /* In the written order, without overlap: from each start of the first
           item, the earliest start of each next item after the previous ends. */
        for (Py_ssize_t a = 0; a < count[0]; a++) {
            int64_t end = found[0][a] + len[0], last = found[0][a];
            int ok = 1;
            for (int64_t j = 1; j < items && ok; j++) {
                Py_ssize_t b = 0;
                while (b < count[j] && found[j][b] < end) b++;
                if (b == count[j]) {
                    ok = 0;
                } else {
                    last = found[j][b];
                    end = last + len[j];
                }
            }
            if (ok && last - (found[0][a] + len[0]) <= distance) return 1;
        }
        return 0;
    }
    /* Any order: from some start s of one item, every other item starts
       within s .. s + its length + distance. */
    for (int64_t i = 0; i < items; i++) {
        for (Py_ssize_t a = 0; a < count[i]; a++) {
            int64_t s = found[i][a], limit = s + len[i] + distance;
            int all = 1;
            for (int64_t j = 0; j < items && all; j++) {
                if (j == i) continue;
                Py_ssize_t b = 0;
                while (b < count[j] && found[j][b] < s) b++;
                all = b < count[j] && found[j][b] <= limit;
            }
            if (all) return 1;
        }
    }
    return 0;
}

/* Whether the post satisfies the positional conditions of a slot's program. */
static int program_holds(Kernel *k, Py_ssize_t slot) {
    const int64_t *p = (const int64_t *)k->prog.buf + ((const int64_t *)k->prog_at.buf)[slot];
    int64_t conditions = *p++;
    for (int64_t c = 0; c < conditions; c++) {
        int64_t kind = p[0], field = p[1], distance = p[2], items = p[3];
        const int64_t *item = p + 4;
        p = item;
        for (int64_t i = 0; i < items; i++) p += 1 + p[0];
        int ok = 0;
        if (field != 2) ok = holds_in(k, kind, distance, items, item, 0, k->ntitle);
        if (!ok && field != 1) ok = holds_in(k, kind, distance, items, item, k->ntitle, k->ntoks);
        if (!ok) return 0;
    }
    return 1;
}

/* A new list of the ids of slots[0..n). Its items are written once: the
   list takes a block of them, as PyList_New would, without zeroing it first
   (5,000 ids a post is no rare size here). */
static PyObject *id_list(PyObject *const *ids, const int32_t *slots, Py_ssize_t n) {
    PyObject *list = PyList_New(0);
    if (!list || !n) return list;
    PyObject **items = PyMem_Malloc((size_t)n * sizeof *items);
    if (!items) {
        Py_DECREF(list);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *id = ids[slots[i]];
        Py_INCREF(id);
        items[i] = id;
    }
    ((PyListObject *)list)->ob_item = items;
    ((PyListObject *)list)->allocated = n;
    Py_SET_SIZE(list, n);
    return list;
}

static PyObject *Kernel_bind(Kernel *k, PyObject *args) {
    Kernel fresh;
    PyObject *ids;
    Py_ssize_t width;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*y*nw*y*y*y*y*y*O!", &fresh.table, &fresh.kbytes,
                          &fresh.kinfo, &fresh.prefix_len, &fresh.pool, &fresh.rows, &width,
                          &fresh.data, &fresh.base, &fresh.needs_check, &fresh.prog,
                          &fresh.prog_at, &fresh.owner, &PyList_Type, &ids))
        return NULL;
    release(k);
    k->table = fresh.table;
    k->kbytes = fresh.kbytes;
    k->kinfo = fresh.kinfo;
    k->prefix_len = fresh.prefix_len;
    k->pool = fresh.pool;
    k->rows = fresh.rows;
    k->rows_width = width;
    k->data = fresh.data;
    k->base = fresh.base;
    k->needs_check = fresh.needs_check;
    k->prog = fresh.prog;
    k->prog_at = fresh.prog_at;
    k->owner = fresh.owner;
    Py_INCREF(ids);
    k->ids = ids;
    k->bound = 1;
    Py_ssize_t keys = k->kinfo.len / (COLUMNS * 8), slots = k->data.len;
    k->keys = keys;
    if (grow((void **)&k->seen, &k->seen_cap, keys + 1, sizeof(int32_t), 1) < 0 ||
        grow((void **)&k->hits, &k->hits_cap, slots + 8, sizeof(int32_t), 0) < 0 ||
        grow((void **)&k->mark, &k->mark_cap, slots, sizeof(int32_t), 1) < 0)
        return NULL;
    Py_ssize_t cap = k->table.len / 16;
    if (k->table.len % 16 || cap < 2 || cap & (cap - 1) || k->data.len % 64 ||
        k->rows_width % 64 || k->base.len < slots || k->needs_check.len < slots ||
        k->prog_at.len < slots * 8 || k->owner.len < slots * 4 || PyList_GET_SIZE(ids) < slots ||
        k->prefix_len.len < 1 ||
        (k->rows.len && width < slots)) {
        release(k);
        PyErr_SetString(PyExc_ValueError, "bind: arrays of inconsistent sizes");
        return NULL;
    }
    k->bits = table_bits(cap);
    Py_RETURN_NONE;
}

/* match(text, ascii, title_end, meta, inside, high, exclusions, sparse, copy)
   -> (ids of the exact slots matched, slots matched that need a check) */
static PyObject *Kernel_match(Kernel *k, PyObject *args) {
    const uint8_t *text;
    Py_ssize_t n, title_end, high, sparse, copy;
    int ascii, exclusions;
    PyObject *meta;
    Py_buffer inside = {0};
    if (!k->bound) {
        PyErr_SetString(PyExc_RuntimeError, "match: no arrays bound");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "y#pnO!z*npnn", &text, &n, &ascii, &title_end, &PyList_Type,
                          &meta, &inside, &high, &exclusions, &sparse, &copy))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t keys = k->kinfo.len / (COLUMNS * 8);
    Py_ssize_t bound = (n + 1) / 2 * k->prefix_len.len + PyList_GET_SIZE(meta);
    if (high > k->data.len || high + 8 > k->hits_cap) {
        PyErr_SetString(PyExc_ValueError, "match: more slots than bound");
        goto done;
    }
    if (grow((void **)&k->found, &k->found_cap, bound + 1, sizeof(int64_t), 0) < 0 ||
        grow((void **)&k->rowp, &k->rowp_cap, bound, sizeof(uint8_t *), 0) < 0 ||
        grow((void **)&k->toks, &k->toks_cap, (n + 1) / 2, sizeof(int64_t), 0) < 0 ||
        grow((void **)&k->text, &k->text_cap, n + 16, 1, 0) < 0 ||
        /* A word of b bytes takes (b + 15) // 8 * 8 bytes there, and is
           followed by a byte that is no word's (or by the text's end). */
        grow((void **)&k->word, &k->word_cap, 8 * n + 16, 1, 0) < 0 ||
        grow((void **)&k->words, &k->words_cap, (n + 1) / 2, sizeof(Word), 0) < 0)
        goto done;
    if (++k->stamp == INT32_MAX) {
        memset(k->seen, 0, (size_t)k->seen_cap * sizeof(int32_t));
        memset(k->mark, 0, (size_t)k->mark_cap * sizeof(int32_t));
        k->stamp = 1;
    }
    k->seen[k->keys] = k->stamp;
    Py_ssize_t count = post_keys(k, text, n, ascii, title_end);
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(meta); i++) {
        Py_ssize_t kid = PyLong_AsSsize_t(PyList_GET_ITEM(meta, i));
        if (kid < 0 || kid >= keys) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "match: unknown key id");
            goto done;
        }
        count = take(k, kid, count);
    }
    const int64_t *info = k->kinfo.buf, *pool = k->pool.buf;
    const int64_t *in_ranges = inside.buf;
    Py_ssize_t n_inside = inside.buf ? inside.len / 8 : 0, on = 0, hits = 0;
    int special = 0; /* whether some slot matched needs a check */
    int64_t clears = 0; /* whether some key found clears bits */
    for (Py_ssize_t i = 0; i < count; i++) {
        on += info[k->found[i] * COLUMNS + S_LEN];
        clears |= info[k->found[i] * COLUMNS + C_LEN];
    }
    exclusions = exclusions && clears;
    if (on) {
        uint8_t *data = k->data.buf;
        int rows = bits(k, count, S_START, S_LEN, 1, 1);
        if (rows) or_rows(k, count, high);
        put(data, in_ranges, in_ranges + n_inside, 1);
        if (exclusions) bits(k, count, C_START, C_LEN, 0, 0);
        if (on * sparse < high) {
            /* Few postings: read only the slots whose first clause they set,
               and mark a slot read (its first bit cleared) so it comes once;
               without a branch per posting (whether a slot is full is no
               pattern either), every slot written, only the full counted. */
            for (Py_ssize_t i = 0; i < count; i++) {
                const int64_t *row = info + k->found[i] * COLUMNS;
                for (const int64_t *p = pool + row[S_START], *e = p + row[S_LEN]; p < e; p++) {
                    Py_ssize_t slot = *p >> 8;
                    int full = ((*p & 0xFF) == 1) & (data[slot] == 0xFF);
                    k->hits[hits] = (int32_t)slot;
                    hits += full;
                    data[slot] ^= (uint8_t)full;
                }
            }
            special = hits > 0;
        } else {
            hits = scan(k, high, &special);
        }
        /* Back to the preset bytes: a copy when the post set many bits, else
           its writes undone. */
        if (rows || on * copy > high) {
            memcpy(data, k->base.buf, (size_t)high);
        } else {
            bits(k, count, S_START, S_LEN, 0, 0);
            put(data, in_ranges, in_ranges + n_inside, 0);
            if (exclusions) bits(k, count, C_START, C_LEN, 1, 0);
        }
    }
    /* Slots needing positions checked here keep their place if they hold;
       those needing an evaluation go back to Python. A query matched in
       several of its slots is listed once, at the first (an evaluation is of
       the whole query, so whichever slot comes first answers for it). */
    const uint8_t *check = k->needs_check.buf;
    const int32_t *owner = k->owner.buf;
    Py_ssize_t checked = 0, kept = 0;
    for (Py_ssize_t i = 0; special && i < hits; i++) {
        int32_t slot = k->hits[i];
        int need = check[slot] & NEEDS;
        if (need == POSITIONS) {
            /* Room for the start positions of every item of a condition. */
            if (grow((void **)&k->scratch, &k->scratch_cap, MAX_ITEMS * (k->ntoks + 1),
                     sizeof(int64_t), 0) < 0)
                goto done;
            if (!program_holds(k, slot)) continue;
        }
        if (check[slot] & SHARED) {
            int32_t first = owner[slot] >= 0 && owner[slot] < high ? owner[slot] : slot;
            if (k->mark[first] == k->stamp) continue;
            k->mark[first] = k->stamp;
        }
        checked += need == EVALUATE;
        k->hits[kept++] = slot;
    }
    if (special) hits = kept;
    /* The slots to evaluate go back as numbers, the others as their ids. */
    PyObject *later = PyList_New(checked), *exact;
    if (!later) goto done;
    Py_ssize_t a = 0, b = 0;
    for (Py_ssize_t i = 0; checked && i < hits; i++) {
        Py_ssize_t slot = k->hits[i];
        if ((check[slot] & NEEDS) == EVALUATE) {
            PyObject *s = PyLong_FromSsize_t(slot);
            if (!s) {
                Py_DECREF(later);
                goto done;
            }
            PyList_SET_ITEM(later, b++, s);
        } else {
            k->hits[a++] = (int32_t)slot;
        }
    }
    if (checked) hits = a;
    exact = id_list(((PyListObject *)k->ids)->ob_item, k->hits, hits);
    if (!exact) {
        Py_DECREF(later);
        goto done;
    }
    result = PyTuple_Pack(2, exact, later);
    Py_DECREF(exact);
    Py_DECREF(later);
done:
    if (inside.buf) PyBuffer_Release(&inside);
    return result;
}

static PyMethodDef Kernel_methods[] = {
    {"bind", (PyCFunction)Kernel_bind, METH_VARARGS,
     "bind(table, kbytes, kinfo, prefix_len, pool, rows, width, data, base, needs_check, prog, "
     "prog_at, owner, ids)"},
    {"match", (PyCFunction)Kernel_match, METH_VARARGS,
     "match(text, ascii, title_end, meta, inside, high, exclusions, sparse, copy) -> (ids, slots "
     "to evaluate)"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject KernelType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "veille.query._kernel.Kernel",
    .tp_basicsize = sizeof(Kernel),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The matcher's arrays, bound, and a post matched against them.",
    .tp_new = PyType_GenericNew,
    .tp_dealloc = (destructor)Kernel_dealloc,
    .tp_methods = Kernel_methods,
};

static PyMethodDef module_methods[] = {
    {"fill", fill, METH_VARARGS, "fill(table, kbytes, kinfo, first, end): hash keys into the table"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_kernel",
    .m_doc = "The matcher's compiled core.",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__kernel(void) {
    for (int mask = 0; mask < 256; mask++) {
        int n = 0;
        for (int bit = 0; bit < 8; bit++)
            if (mask >> bit & 1) lanes[mask][n++] = bit;
        lane_count[mask] = (uint8_t)n;
    }
    if (PyType_Ready(&KernelType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    Py_INCREF(&KernelType);
    if (PyModule_AddObject(m, "Kernel", (PyObject *)&KernelType) < 0) {
        Py_DECREF(&KernelType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
