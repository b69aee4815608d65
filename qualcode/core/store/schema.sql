-- qualcode project schema (its version: SCHEMA_VERSION in database.py).
-- Portable SQL: TEXT, INTEGER and REAL columns only, so the same statements run on
-- SQLite (the default, one file per project) and on a shared PostgreSQL server.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL              -- JSON
);

CREATE TABLE participants (
    id         TEXT PRIMARY KEY,      -- e.g. P3
    attributes TEXT NOT NULL DEFAULT '{}'   -- JSON object: numbers stay numbers
);

CREATE TABLE transcripts (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    participant   TEXT REFERENCES participants(id) ON UPDATE CASCADE,
    text          TEXT NOT NULL,      -- NFC, \n line ends
    sha256        TEXT NOT NULL,
    source        TEXT NOT NULL,
    lang          TEXT NOT NULL,
    unit          TEXT NOT NULL,
    words         INTEGER NOT NULL,
    imported_at   TEXT NOT NULL
);

CREATE TABLE segments (
    id             INTEGER PRIMARY KEY,
    transcript_id  INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
    ordinal        INTEGER NOT NULL,  -- 1-based within the transcript
    start_offset   INTEGER NOT NULL,  -- code points, [start, end)
    end_offset     INTEGER NOT NULL,
    speaker        TEXT,
    media_start_ms INTEGER,
    media_end_ms   INTEGER,
    UNIQUE (transcript_id, ordinal)
);

CREATE TABLE codes (
    id          TEXT PRIMARY KEY,     -- UUID, also the REFI-QDA guid
    name        TEXT NOT NULL,
    parent_id   TEXT REFERENCES codes(id),
    description TEXT NOT NULL DEFAULT '',
    inclusion   TEXT NOT NULL DEFAULT '',
    exclusion   TEXT NOT NULL DEFAULT '',
    example     TEXT NOT NULL DEFAULT '',
    colour      TEXT NOT NULL DEFAULT '',
    shortcut    TEXT,
    keywords    TEXT NOT NULL DEFAULT '[]',   -- JSON list of words and phrases
    position    INTEGER NOT NULL DEFAULT 0,
    exclusive   INTEGER NOT NULL DEFAULT 0,   -- 1: its children exclude each other on a segment
    codable     INTEGER NOT NULL DEFAULT 1,   -- 0: a folder of codes, not applied itself
    version     INTEGER NOT NULL DEFAULT 1,   -- counts its edits, so a stale edit is refused
    UNIQUE (shortcut)
);

CREATE TABLE coders (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    is_consensus INTEGER NOT NULL DEFAULT 0,
    guid         TEXT                 -- the REFI-QDA User GUID the coder came with, if any
);

-- A coder's mark that a transcript is done: it enters the agreement report as coded.
CREATE TABLE transcripts_done (
    transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
    coder_id      INTEGER NOT NULL REFERENCES coders(id),
    done_at       TEXT NOT NULL,
    PRIMARY KEY (transcript_id, coder_id)
);

CREATE TABLE codings (
    segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
    code_id    TEXT NOT NULL REFERENCES codes(id),
    coder_id   INTEGER NOT NULL REFERENCES coders(id),
    created_at TEXT NOT NULL,
    origin     TEXT NOT NULL DEFAULT 'manual',  -- manual | suggestion | import | merge | resolution
    starred    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (segment_id, code_id, coder_id)
);
CREATE INDEX codings_by_coder ON codings (coder_id, segment_id);
CREATE INDEX codings_by_code ON codings (code_id);

-- Memos: on a segment (one per coder), on a passage (transcript, start, end: one per coder),
-- on a code, or on a transcript.
CREATE TABLE memos (
    id            INTEGER PRIMARY KEY,
    coder_id      INTEGER NOT NULL REFERENCES coders(id),
    segment_id    INTEGER REFERENCES segments(id) ON DELETE CASCADE,
    code_id       TEXT REFERENCES codes(id) ON DELETE CASCADE,
    transcript_id INTEGER REFERENCES transcripts(id) ON DELETE CASCADE,
    text          TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    start_offset  INTEGER,
    end_offset    INTEGER
);
CREATE UNIQUE INDEX memos_one_per_segment ON memos (coder_id, segment_id) WHERE segment_id IS NOT NULL;
CREATE UNIQUE INDEX memos_one_per_passage ON memos (coder_id, transcript_id, start_offset, end_offset)
    WHERE start_offset IS NOT NULL;
CREATE UNIQUE INDEX memos_one_per_code ON memos (coder_id, code_id)
    WHERE code_id IS NOT NULL AND segment_id IS NULL AND start_offset IS NULL;

CREATE TABLE journal (
    id     INTEGER PRIMARY KEY,
    author TEXT NOT NULL,
    at     TEXT NOT NULL,
    text   TEXT NOT NULL
);
CREATE INDEX journal_by_time ON journal (at);

-- Codings of exact passages: a span of the text shorter than a segment or running over
-- several. A coding of a whole segment is a row of codings; a span counts for a segment
-- when it covers at least half of the segment's characters or lies wholly inside it.
CREATE TABLE spans (
    id            INTEGER PRIMARY KEY,
    transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
    code_id       TEXT NOT NULL REFERENCES codes(id),
    coder_id      INTEGER NOT NULL REFERENCES coders(id),
    start_offset  INTEGER NOT NULL,   -- code points into the transcript's text
    end_offset    INTEGER NOT NULL,   -- exclusive
    created_at    TEXT NOT NULL,
    origin        TEXT NOT NULL DEFAULT 'manual',
    starred       INTEGER NOT NULL DEFAULT 0,
    guid          TEXT,               -- the REFI-QDA selection it came from, if any
    CHECK (end_offset > start_offset),
    UNIQUE (transcript_id, coder_id, code_id, start_offset, end_offset)
);
CREATE INDEX spans_by_code ON spans (code_id);

-- Selections from another tool (REFI-QDA) that carry no code (a memo on a passage), kept as they came.
CREATE TABLE selections (
    id            TEXT PRIMARY KEY,   -- the selection's guid
    transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
    code_id       TEXT REFERENCES codes(id),
    coder_id      INTEGER REFERENCES coders(id),
    start_offset  INTEGER NOT NULL,
    end_offset    INTEGER NOT NULL,
    created_at    TEXT NOT NULL DEFAULT '',
    description   TEXT NOT NULL DEFAULT ''
);

-- The lead's decisions on disagreements: who, when, what and why.
CREATE TABLE decisions (
    id          INTEGER PRIMARY KEY,
    segment_id  INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
    lead        TEXT NOT NULL,
    coder_a     TEXT NOT NULL,
    coder_b     TEXT NOT NULL,
    choice      TEXT NOT NULL,        -- a | b | both | neither | edit | agreed
    codes       TEXT NOT NULL,        -- JSON list of code ids put into the consensus
    note        TEXT NOT NULL DEFAULT '',
    decided_at  TEXT NOT NULL,
    spans       TEXT NOT NULL DEFAULT '{}'  -- JSON: code id to its passages [[start, end], …] where not the segment
);
CREATE INDEX decisions_by_segment ON decisions (segment_id);

-- Names and places to hide in everything that leaves the project.
CREATE TABLE pseudonyms (
    original    TEXT PRIMARY KEY,
    replacement TEXT NOT NULL,
    confirmed   INTEGER NOT NULL DEFAULT 1,
    added_at    TEXT NOT NULL,
    prefix      INTEGER NOT NULL DEFAULT 0   -- 1: also hides words it begins (compounds)
);

-- Every copy handed out to a coder: merge accepts a file only when its binding
-- (an HMAC over study id, coder and this id, made with the lead's key) verifies.
CREATE TABLE handouts (
    id         TEXT PRIMARY KEY,
    coder      TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY,
    at     TEXT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    item   TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}'   -- JSON
);

-- Tokens, lemmas and sentences of each transcript text, per spaCy pipeline, so that
-- word frequencies and entities do not run spaCy again (packed arrays; see core/textindex.py).
CREATE TABLE text_index (
    sha256   TEXT NOT NULL,
    pipeline TEXT NOT NULL,
    data     BLOB NOT NULL,
    PRIMARY KEY (sha256, pipeline)
);

-- Keyword suggestions a coder turned down, so they are not proposed again.
CREATE TABLE rejected_suggestions (
    segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
    code_id    TEXT NOT NULL REFERENCES codes(id) ON DELETE CASCADE,
    coder_id   INTEGER NOT NULL REFERENCES coders(id),
    PRIMARY KEY (segment_id, code_id, coder_id)
);

-- The search index (see core/store/search_index.py): a document is one transcript text (by SHA-256)
-- as one pipeline tokenised it; positions count its tokens without hyphens and slashes.
-- Covering indexes: which texts are indexed is read without passing over the transcripts' texts.
CREATE INDEX transcripts_by_sha256 ON transcripts (sha256);
CREATE INDEX transcripts_for_search ON transcripts (id, name, participant, sha256, lang);
CREATE TABLE search_documents (
    id       INTEGER PRIMARY KEY,
    sha256   TEXT NOT NULL,
    pipeline TEXT NOT NULL,
    block    INTEGER NOT NULL DEFAULT 0,  -- the first document of those indexed with it (see search_postings)
    UNIQUE (sha256, pipeline)
);
CREATE TABLE search_terms (
    id   INTEGER PRIMARY KEY,
    term TEXT NOT NULL UNIQUE         -- a lower-case form or a lemma
);
-- One row per (term, kind) and block: the documents indexed together share their postings rows.
CREATE TABLE search_postings (
    term_id INTEGER NOT NULL,
    kind    INTEGER NOT NULL,         -- 0 form, 1 lemma, 2 form that is also the lemma
    block   INTEGER NOT NULL,         -- the first document of the block
    keys    BLOB NOT NULL,            -- (document << 32 | position) as little-endian int64, ascending
    PRIMARY KEY (term_id, kind, block)
) WITHOUT ROWID;
-- One row per document of packed arrays (little-endian int32 unless said).
CREATE TABLE search_tokens (
    document_id      INTEGER PRIMARY KEY,
    sentences        BLOB NOT NULL,   -- character offsets where sentences start, ascending
    segment_firsts   BLOB NOT NULL,   -- the first position of each segment with tokens
    segment_ordinals BLOB NOT NULL,   -- and that segment's ordinal
    flags            BLOB NOT NULL    -- one byte per token by position, 1: written with a lower-case first letter
);
-- Where each token starts and ends, in blocks of 256 positions, so a hit reads its own block only.
CREATE TABLE search_offsets (
    block_key   INTEGER PRIMARY KEY,  -- document_id * 2^20 + position / 256
    document_id INTEGER NOT NULL,
    starts      BLOB NOT NULL,
    ends        BLOB NOT NULL
);
-- The terms of a document (packed int32 ids), so dropping it rewrites only its postings rows.
CREATE TABLE search_document_terms (
    document_id INTEGER PRIMARY KEY,
    terms       BLOB NOT NULL
);
-- Capitalised words that do not start a sentence, counted per document: pseudonym candidates.
CREATE TABLE search_capitals (
    document_id INTEGER NOT NULL,
    word        TEXT NOT NULL,
    term_id     INTEGER NOT NULL,
    n           INTEGER NOT NULL,
    first_start INTEGER NOT NULL,     -- where it is first written
    PRIMARY KEY (document_id, word)
) WITHOUT ROWID;
