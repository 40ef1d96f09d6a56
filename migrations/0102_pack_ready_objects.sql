-- Repo DO schema v2: every object can keep a pack-ready form, so native `git clone` / `git fetch`
-- (upload-pack) stream stored bytes instead of inflating and re-deflating each object per clone.
-- Layout and conversions are documented in src/git/storage/objects.ts.
--   fmt 0: `data` is the loose object, zlib("<type> <size>\0" + content) — git's loose format, as in 0101.
--   fmt 1: `data` is zlib(content) — exactly a pack entry's data — with `type` (pack type code:
--          1 commit, 2 tree, 3 blob, 4 tag) and `raw_size` (content bytes) for the entry header.
--          The loose form is rebuilt from it by splicing, without recompressing.
-- New objects are written as fmt 0 (cheap on the commit path) and converted once: by the flush
-- alarm after their copy to R2, or by the first upload-pack that sends them. `size` is the byte
-- length of `data` as stored. R2 keeps git's loose format whatever the row's fmt.
ALTER TABLE objects ADD COLUMN fmt INTEGER NOT NULL DEFAULT 0;
ALTER TABLE objects ADD COLUMN type INTEGER;
ALTER TABLE objects ADD COLUMN raw_size INTEGER;
