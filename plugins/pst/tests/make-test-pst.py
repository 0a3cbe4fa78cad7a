#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes a small Unicode PST (MS-PST) that holds what the shared real files do
not: special-folder entry ids of another store, a contact photo, categories,
a store without Sent Items / Outbox entries, unsent mail. The pst plugin's
tests build it at test time (PST files are never committed).

usage: make-test-pst.py OUT.pst

Written from the MS-PST specification: NDB (header, BBT/NBT pages, blocks
with trailers and CRCs, SLBLOCK sub-nodes), LTP (heap-on-node, BTH, property
contexts, table contexts) and the messaging layer's minimum (message store,
name-to-id map, root folder, folders, messages, attachments). No encryption
(bCryptMethod 0), one block per node, so it stays short.
"""
import struct
import sys
import zlib

# ---- NDB ---------------------------------------------------------------------


def crc(data):
    """MS-PST CRC: CRC-32 (reflected 0xEDB88320) from 0, no final inversion."""
    return zlib.crc32(data, 0xFFFFFFFF) ^ 0xFFFFFFFF


def sig(ib, bid):
    dw = (ib ^ bid) & 0xFFFFFFFF
    return ((dw >> 16) ^ dw) & 0xFFFF


PT_SHORT, PT_LONG, PT_DOUBLE, PT_BOOL = 0x2, 0x3, 0x5, 0xB
PT_I8, PT_UNICODE, PT_SYSTIME, PT_BINARY = 0x14, 0x1F, 0x40, 0x102
PT_MV_UNICODE, PT_MV_BINARY = 0x101F, 0x1102


class Heap:
    """A heap-on-node (2.3.1): HNHDR, allocations, HNPAGEMAP; one block."""

    def __init__(self, client_sig):
        self.client_sig = client_sig
        self.allocs = []

    def add(self, data):
        self.allocs.append(bytes(data))
        return len(self.allocs) << 5  # hidType 0, hidIndex 1-based, block 0

    def build(self, user_root):
        body = bytearray()
        offsets = []
        for a in self.allocs:
            offsets.append(12 + len(body))
            body += a
        end = 12 + len(body)
        offsets.append(end)
        pad = end % 2  # the page map sits on an even offset
        head = struct.pack("<HBBII", end + pad, 0xEC, self.client_sig, user_root, 0)
        pagemap = struct.pack("<HH", len(self.allocs), 0)
        pagemap += b"".join(struct.pack("<H", o) for o in offsets)
        return head + bytes(body) + bytes(pad) + pagemap


def bth_header(heap, key_size, ent_size, records):
    """A BTH (2.3.2) of one leaf level; records are (key, value bytes), kept
    in the numeric order of their keys."""
    records = sorted(records, key=lambda r: r[0])
    root = heap.add(b"".join(k.to_bytes(key_size, "little") + v
                             for k, v in records)) if records else 0
    return heap.add(struct.pack("<BBBBI", 0xB5, key_size, ent_size, 0, root))


def utf16(s):
    return s.encode("utf-16-le")


def mv(values):
    """Multi-valued variable-size data: count, offsets, the values."""
    head = 4 + 4 * len(values)
    out = struct.pack("<I", len(values))
    pos = head
    for v in values:
        out += struct.pack("<I", pos)
        pos += len(v)
    return out + b"".join(values)


def pc(props):
    """A property context (2.3.3): props are (id, type, value)."""
    heap = Heap(0xBC)
    records = []
    for pid, ptype, value in props:
        if ptype in (PT_SHORT, PT_LONG):
            hnid = value & 0xFFFFFFFF
        elif ptype == PT_BOOL:
            hnid = 1 if value else 0
        elif ptype in (PT_I8, PT_SYSTIME):
            hnid = heap.add(struct.pack("<Q", value))
        elif ptype == PT_DOUBLE:
            hnid = heap.add(struct.pack("<d", value))
        elif ptype == PT_UNICODE:
            hnid = heap.add(utf16(value)) if value else 0
        elif ptype == PT_BINARY:
            hnid = heap.add(value) if value else 0
        elif ptype == PT_MV_UNICODE:
            hnid = heap.add(mv([utf16(v) for v in value]))
        elif ptype == PT_MV_BINARY:
            hnid = heap.add(mv(value))
        else:
            raise ValueError(hex(ptype))
        records.append((pid, struct.pack("<HI", ptype, hnid)))
    return heap.build(bth_header(heap, 2, 6, records))


def tc(columns, rows):
    """A table context (2.3.4). columns: [(tag, size)] with 4-byte cells for
    variable types (an HNID); rows: [{tag: int or bytes}], 0x67F20003 = row id."""
    heap = Heap(0x7C)
    cols = sorted(columns, key=lambda c: (0 if c[0] == 0x67F20003 else 1, -c[1], c[0]))
    layout, pos = {}, 0
    for tag, size in cols:
        layout[tag] = (pos, size)
        pos += size
    ends = [pos, pos, pos]  # 4/8-byte, 2-byte and 1-byte cells all sit in the first part
    ceb = (len(cols) + 7) // 8
    row_size = pos + ceb
    bits = {tag: i for i, (tag, _) in enumerate(cols)}
    matrix = bytearray()
    index = []
    for n, row in enumerate(rows):
        cells = bytearray(row_size)
        for tag, value in row.items():
            off, size = layout[tag]
            if isinstance(value, (bytes, str)):
                data = utf16(value) if isinstance(value, str) else value
                value = heap.add(data)
            cells[off:off + size] = value.to_bytes(size, "little")
            bit = bits[tag]
            cells[pos + bit // 8] |= 0x80 >> (bit % 8)
        matrix += cells
        index.append((row[0x67F20003], struct.pack("<I", n)))
    rows_hid = heap.add(bytes(matrix)) if rows else 0
    row_index = bth_header(heap, 4, 4, index)
    info = struct.pack("<BB4HIII", 0x7C, len(cols), ends[0], ends[1], ends[2], row_size,
                       row_index, rows_hid, 0)
    for tag, size in sorted(cols):
        info += struct.pack("<IHBB", tag, layout[tag][0], size, bits[tag])
    return heap.build(heap.add(info))


class Pst:
    def __init__(self):
        self.blocks = []  # (bid, data)
        self.nodes = []   # (nid, bid_data, bid_sub, parent)
        self.next_bid = 4

    def block(self, data, internal=False):
        bid = self.next_bid | (2 if internal else 0)
        self.next_bid += 4
        assert len(data) <= 8176, "one block per node"
        self.blocks.append((bid, bytes(data)))
        return bid

    def node(self, nid, data, parent=0, subnodes=None):
        """subnodes: [(nid, data)] in one SLBLOCK."""
        sub = 0
        if subnodes:
            entries = b"".join(struct.pack("<QQQ", n, self.block(d), 0)
                               for n, d in sorted(subnodes))
            sub = self.block(struct.pack("<BBHI", 2, 0, len(subnodes), 0) + entries, True)
        self.nodes.append((nid, self.block(data), sub, parent))

    def write(self, path):
        out = bytearray(0x4600)
        refs = {}
        for bid, data in self.blocks:
            ib = len(out)
            size = (len(data) + 16 + 63) // 64 * 64
            blk = bytearray(size)
            blk[:len(data)] = data
            blk[size - 16:] = struct.pack("<HHIQ", len(data), sig(ib, bid), crc(data), bid)
            out += blk
            refs[bid] = (ib, len(data))
        out += bytes((-len(out)) % 512)
        next_page = [1]

        def pages(ptype, entries, ent_size, per_page):
            """Leaves, then one intermediate level when needed: (key, bid, ib)."""
            level, made = 0, []
            while True:
                made = []
                for i in range(0, max(len(entries), 1), per_page):
                    chunk = entries[i:i + per_page]
                    page = bytearray(512)
                    for k, (_, e) in enumerate(chunk):
                        page[k * ent_size:(k + 1) * ent_size] = e
                    bid = next_page[0] * 4
                    next_page[0] += 1
                    ib = len(out)
                    page[488:492] = bytes([len(chunk), per_page, ent_size, level])
                    page[496:498] = bytes([ptype, ptype])
                    page[498:500] = struct.pack("<H", sig(ib, bid))
                    page[500:504] = struct.pack("<I", crc(bytes(page[:496])))
                    page[504:512] = struct.pack("<Q", bid)
                    out.extend(page)
                    made.append((chunk[0][0] if chunk else 0, bid, ib))
                if len(made) == 1:
                    return made[0]
                entries = [(k, struct.pack("<QQQ", k, b, i)) for k, b, i in made]
                ent_size, per_page, level = 24, 20, level + 1

        # page bids live in their own range (bidNextP), far from the blocks'
        next_page[0] = 0x10000
        bbt = pages(0x80, [(b, struct.pack("<QQHHI", b, refs[b][0], refs[b][1], 1, 0))
                           for b, _ in sorted(self.blocks)], 24, 20)
        nbt = pages(0x81, [(n, struct.pack("<QQQII", n, d, s, p, 0))
                           for n, d, s, p in sorted(self.nodes)], 32, 15)
        eof = len(out)
        h = bytearray(0x234)
        h[0:4] = b"!BDN"
        struct.pack_into("<HHHBB", h, 8, 0x4D53, 23, 19, 1, 1)
        struct.pack_into("<Q", h, 0x20, next_page[0] * 4)  # bidNextP
        struct.pack_into("<Q", h, 0xB8, eof)
        struct.pack_into("<Q", h, 0xC0, 0x4400)  # ibAMapLast
        struct.pack_into("<QQ", h, 0xD8, nbt[1], nbt[2])
        struct.pack_into("<QQ", h, 0xE8, bbt[1], bbt[2])
        h[0xF8] = 0  # fAMapValid: no allocation map (readers do not need one)
        h[0x200] = 0x80  # bSentinel
        h[0x201] = 0  # bCryptMethod: none
        struct.pack_into("<Q", h, 0x204, self.next_bid)  # bidNextB
        struct.pack_into("<I", h, 4, crc(bytes(h[8:8 + 471])))
        struct.pack_into("<I", h, 0x20C, crc(bytes(h[8:8 + 516])))
        out[0:0x234] = h
        with open(path, "wb") as f:
            f.write(out)


# ---- the messaging layer ------------------------------------------------------

STORE_UID = bytes(range(0x10, 0x20))   # this file's store (PR_RECORD_KEY)
OTHER_UID = bytes(range(0xA0, 0xB0))   # the store the folders were copied from
DB_GUID = bytes(range(0x40, 0x50))     # an Exchange database (source keys)
FT_2025 = 133800000000000000           # a FILETIME: 2024-12-30T02:40:00Z
FT_2020 = 132354432000000000           # 2020-06-01T00:00:00Z
MSGFLAG_READ, MSGFLAG_SUBMIT, MSGFLAG_UNSENT = 0x1, 0x4, 0x8


def entry_id(nid, uid=STORE_UID):
    """A PST entry id (2.4.3.2): flags, provider uid, NID."""
    return b"\0\0\0\0" + uid + struct.pack("<I", nid)


def exchange_entry_id(source_key):
    """An Exchange folder entry id (MS-OXCDATA 2.2.4.1): flags, provider uid,
    folder type 1, database guid + global counter, padding."""
    return b"\0\0\0\0" + bytes(16) + struct.pack("<H", 1) + source_key + b"\0\0"


def folder_pc(name, klass=None, extra=()):
    props = [(0x3001, PT_UNICODE, name), (0x3602, PT_LONG, 0), (0x3603, PT_LONG, 0),
             (0x360A, PT_BOOL, False)]
    if klass:
        props.append((0x3613, PT_UNICODE, klass))
    return pc(props + list(extra))


# named properties: Keywords (PS_PUBLIC_STRINGS, by name) → 0x8000;
# PidLidCompanies and PidLidContacts (PSETID_Common 0x8539, 0x853A) → 0x8001, 0x8002
KEYWORDS = 0x8000
COMPANIES = 0x8001
CONTACTS = 0x8002


def name_map():
    strings = struct.pack("<I", 16) + utf16("Keywords")
    entries = struct.pack("<IHH", 0, (2 << 1) | 1, 0)  # string name, PS_PUBLIC_STRINGS
    # numeric names in the GUID stream's second GUID (index 3 + 1)
    entries += struct.pack("<IHH", 0x8539, (4 << 1) | 0, 1)
    entries += struct.pack("<IHH", 0x853A, (4 << 1) | 0, 2)
    # the GUID stream must not be empty (libpff refuses the file): PSETID_Task,
    # then PSETID_Common
    tail = bytes([0xC0, 0, 0, 0, 0, 0, 0, 0x46])
    guids = struct.pack("<IHH", 0x00062003, 0, 0) + tail
    guids += struct.pack("<IHH", 0x00062008, 0, 0) + tail
    return pc([(0x0001, PT_LONG, 251), (0x0002, PT_BINARY, guids),
               (0x0003, PT_BINARY, entries), (0x0004, PT_BINARY, strings)])


def recipient_table(rows):
    """MS-PST 2.4.4.5: the recipients of a message (an appointment's attendees)."""
    cols = [(0x67F20003, 4), (0x67F30003, 4), (0x0C150003, 4), (0x3001001F, 4),
            (0x3003001F, 4), (0x39FE001F, 4), (0x5FFD0003, 4)]
    return tc(cols, rows)


def message(klass, subject=None, flags=MSGFLAG_READ, extra=(), categories=None):
    props = [(0x001A, PT_UNICODE, klass), (0x0E07, PT_LONG, flags),
             (0x3007, PT_SYSTIME, FT_2025), (0x3008, PT_SYSTIME, FT_2025 + 10**7)]
    if subject is not None:
        props.append((0x0037, PT_UNICODE, subject))
    if categories:
        props.append((KEYWORDS, PT_MV_UNICODE, categories))
    return pc(sorted(props + list(extra)))


def attachment_table(rows):
    cols = [(0x67F20003, 4), (0x67F30003, 4), (0x0E200003, 4), (0x3704001F, 4),
            (0x37050003, 4), (0x370B0003, 4)]
    return tc(cols, rows)


def build(path):
    p = Pst()
    ipm, inbox, sent, tasks, contacts = 0x8022, 0x8042, 0x8062, 0x8082, 0x80A2
    outbox, feeds, conflicts, calendar, drafts = 0x80C2, 0x80E2, 0x8102, 0x8122, 0x8142
    deleted, search = 0x8162, 0x8182
    outbox_key = DB_GUID + bytes([0, 0, 0, 0, 0x12, 0x34])

    # the store names Deleted Items and the search root, and neither Sent
    # Items nor the Outbox (some exported mailboxes lack them)
    p.node(0x21, pc([(0x0FF9, PT_BINARY, STORE_UID), (0x3001, PT_UNICODE, "Test store"),
                     (0x35E0, PT_BINARY, entry_id(ipm)),
                     (0x35E3, PT_BINARY, entry_id(deleted)),
                     (0x35E7, PT_BINARY, entry_id(search))]))
    p.node(0x61, name_map())
    # the root folder holds the special-folder entries; the ones copied from
    # another store name its NIDs: Drafts = Feeds, Junk = Tasks
    ren = [entry_id(conflicts), b"", b"", b"", entry_id(tasks, OTHER_UID)]
    p.node(0x122, folder_pc("", None, [(0x36D7, PT_BINARY, entry_id(feeds, OTHER_UID)),
                                       (0x36D8, PT_MV_BINARY, ren)]), 0x122)
    # the IPM subtree names Sent Items (PST entry id) and the Outbox (an
    # Exchange entry id resolved through the folder's source key)
    p.node(ipm, folder_pc("Top of Personal Folders", None, [
        (0x35E2, PT_BINARY, exchange_entry_id(outbox_key)),
        (0x35E4, PT_BINARY, entry_id(sent))]), 0x122)
    p.node(search, folder_pc("Search Root"), 0x122)
    p.node(inbox, folder_pc("Inbox", "IPF.Note"), ipm)
    p.node(sent, folder_pc("Sent Items", "IPF.Note"), ipm)
    p.node(tasks, folder_pc("Tasks", "IPF.Task"), ipm)
    p.node(contacts, folder_pc("Contacts", "IPF.Contact"), ipm)
    p.node(outbox, folder_pc("Outbox", "IPF.Note", [(0x65E0, PT_BINARY, outbox_key)]), ipm)
    p.node(feeds, folder_pc("Feeds", "IPF.Note"), ipm)
    p.node(conflicts, folder_pc("Conflicts", "IPF.Note"), ipm)
    p.node(calendar, folder_pc("Calendar", "IPF.Appointment"), ipm)
    p.node(drafts, folder_pc("Drafts", "IPF.Note"), ipm)
    p.node(deleted, folder_pc("Deleted Items", "IPF.Note"), ipm)

    mail = lambda s, **kw: message("IPM.Note", s, **kw)
    p.node(0x200004, mail("Hello inbound", categories=["Green category", "webCRM"],
                          extra=[(0x0E06, PT_SYSTIME, FT_2025)]), inbox)
    p.node(0x200024, mail("Sent offer", extra=[(0x0039, PT_SYSTIME, FT_2025)]), sent)
    p.node(0x200044, message("IPM.Task", "Call Ada", categories=["webCRM"], extra=[
        (COMPANIES, PT_MV_UNICODE, ["Analytical Engines"]),
        (CONTACTS, PT_MV_UNICODE, ["Ada Lovelace"])]), tasks)
    # submitted, waiting in the Outbox
    p.node(0x200064, mail("Waiting to go", flags=MSGFLAG_UNSENT | MSGFLAG_SUBMIT), outbox)
    p.node(0x200084, mail("Feed digest"), feeds)
    p.node(0x2000A4, mail("Conflict copy"), conflicts)
    # a meeting: the organizer's own row, a required and an optional attendee
    rcpt_nid = 0x692
    people = recipient_table([
        {0x67F20003: 1, 0x67F30003: 1, 0x0C150003: 1, 0x3001001F: "Me",
         0x3003001F: "me@example.org", 0x39FE001F: "me@example.org", 0x5FFD0003: 3},
        {0x67F20003: 2, 0x67F30003: 2, 0x0C150003: 1, 0x3001001F: "Mette Lys",
         0x3003001F: "Mette@Nordlys.dk", 0x39FE001F: "Mette@Nordlys.dk", 0x5FFD0003: 1},
        {0x67F20003: 3, 0x67F30003: 3, 0x0C150003: 2, 0x3001001F: "Bo",
         0x3003001F: "bo@andetsteds.dk", 0x39FE001F: "bo@andetsteds.dk", 0x5FFD0003: 1}])
    p.node(0x2000C4, message("IPM.Appointment", "Fair", categories=["Yellow category"]),
           calendar, subnodes=[(rcpt_nid, people)])
    # a draft: unsent, never submitted nor delivered; and a received mail an
    # importer left flagged unsent, which is the user's mail all the same
    p.node(0x2000E4, mail("Unfinished", flags=MSGFLAG_UNSENT), drafts)
    # ticked, but older than a profile's [email] since=
    p.node(0x200164, mail("Old ticked", categories=["webCRM"],
                          extra=[(0x0E06, PT_SYSTIME, FT_2020)]), inbox)
    p.node(0x200144, mail("Imported", flags=MSGFLAG_UNSENT | MSGFLAG_READ,
                          extra=[(0x0E06, PT_SYSTIME, FT_2025)]), inbox)
    p.node(0x200104, mail("Old news"), deleted)
    # a contact with a photo: Outlook names every photo attachment
    # "ContactPicture.jpg" and gives it its own times
    photo = b"\xff\xd8\xff\xe0" + bytes(60) + b"\xff\xd9"
    att_nid = 0x8005
    attach = pc(sorted([
        (0x0E20, PT_LONG, len(photo)), (0x3001, PT_UNICODE, "ContactPicture.jpg"),
        (0x3007, PT_SYSTIME, FT_2025 + 99 * 10**7), (0x3008, PT_SYSTIME, FT_2025 + 99 * 10**7),
        (0x3701, PT_BINARY, photo), (0x3704, PT_UNICODE, "ContactPicture.jpg"),
        (0x3705, PT_LONG, 1), (0x3707, PT_UNICODE, "ContactPicture.jpg"),
        (0x370B, PT_LONG, -1), (0x370E, PT_UNICODE, "image/jpeg"),
        (0x7FFF, PT_BOOL, True)]))
    table = attachment_table([{0x67F20003: att_nid, 0x67F30003: att_nid,
                               0x0E200003: len(photo), 0x3704001F: "ContactPicture.jpg",
                               0x37050003: 1, 0x370B0003: 0xFFFFFFFF}])
    contact = message("IPM.Contact", "Ada Lovelace", categories=["webCRM", "VIP"], extra=[
        (0x0E1B, PT_BOOL, True), (0x3001, PT_UNICODE, "Ada Lovelace"),
        (0x3A06, PT_UNICODE, "Ada"), (0x3A11, PT_UNICODE, "Lovelace"),
        (0x3A16, PT_UNICODE, "Analytical Engines")])
    p.node(0x200124, contact, contacts, subnodes=[(0x671, table), (att_nid, attach)])
    p.write(path)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make-test-pst.py OUT.pst")
    build(sys.argv[1])
