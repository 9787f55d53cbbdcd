#!/usr/bin/env python3
"""The runtime's tokenizers against Hugging Face's `tokenizers` library, id for id.

There is no way to download GPT-NeoX's tokenizer.json here, so the script trains a byte-level
BPE of the same kind with the library (ByteLevel pre-tokenizer and decoder, special and added
tokens like GPT-NeoX's) on a corpus it generates from a seed, writes its tokenizer.json in
several forms the runtime reads, and checks, through one `ssm-run --batch` per form:

  * encode: the ids of a few thousand strings (ASCII, white space runs, digits, contractions,
    punctuation, CJK, emoji, combining marks, right-to-left scripts, added tokens inside text,
    random code points) are the library's;
  * decode: the library's ids decode to the library's text, and to the string itself where
    the library round-trips it; random id sequences (cut UTF-8 included) decode as the library
    decodes them, with and without special tokens;
  * ill-formed UTF-8 encodes as the library encodes Python's errors="replace" decoding of it;
  * the byte-level tokenizer gives the bytes; files the runtime refuses are refused by name.

  tokenizer_conformance.py --ssm-run build/bin/ssm-run [--seed N] [--strings N]
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

try:
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers
    from tokenizers import processors, trainers
except ImportError:
    sys.exit("tokenizer_conformance: needs the `tokenizers` Python package "
             "(scripts/bootstrap.sh installs it)")

GPT2_PATTERN = (r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")

# Words of several scripts to build the corpus and the random strings from.
WORDS = """
the of and to in is was for that with as on by it at from his her they be this which or had
not are but an have were their one all been has more when who will would there can if so no
state model layer token sequence selective scan hidden convolution parameter kernel memory
don't it's I'll we're they've I'm he'd can't won't she's isn't you're we've
Haus Straße über Mädchen schön größer Brücke Äpfel Öl
été garçon naïve façade déjà où français cœur
Москва язык человек время работа жизнь слово
λόγος ἀρετή θάλασσα Ελλάδα φιλοσοφία
مرحبا العالم كتاب مدرسة اللغة العربية
שלום עולם ספר תודה עברית
नमस्ते हिन्दी भाषा किताब दुनिया
東京 日本語 漢字 中文 北京 学习 计算机 模型
ひらがな カタカナ こんにちは ありがとう
안녕하세요 한국어 서울 세계
สวัสดี ภาษาไทย
😀 🚀 👍🏽 👨‍👩‍👧 🇩🇪 ❤️ ✨ 🤖
def return import class self None True lambda print len range
0 1 2 3 7 9 10 42 100 256 1024 2024 3.14 1e-5 0x1F 1,000
""".split()
PUNCT = list(".,;:!?-()[]{}\"'`~@#$%^&*_+=<>/\\|") + ["...", "--", "!!", "?!", "''", "\u2014",
                                                      "\u00ab", "\u00bb", "\u201c", "\u201d"]
SPACES = [" ", " ", " ", " ", "  ", "   ", "\n", "\n\n", "\t", " \n", "\r\n", "\u00a0",
          "\u3000", "\u2028", "\u0085", "\u2009"]
SPECIALS = ["<|endoftext|>", "<|padding|>"]
# Added tokens like GPT-NeoX's: runs of spaces that are not special and not normalized; and
# tokens that strip white space on one side, and one matched after normalization.
ADDED = [AddedToken("  ", normalized=False), AddedToken("    ", normalized=False),
         AddedToken("<mask>", lstrip=True, normalized=False, special=True),
         AddedToken("[SEP]", rstrip=True, normalized=False, special=True),
         AddedToken("héllo", normalized=True)]
STRIPPING = ["<mask>", "[SEP]"]

HAND_WRITTEN = [
    "", " ", "  ", "\n", "\n\n\n", "\t", " \t \n ", "a", "Hello, world!", "Hello  world",
    "Hello   world", "a \n b", "line one\nline two\n", "trailing spaces   ", "   leading",
    "x\r\ny", "tabs\t\tand\tmore", "1234567890", "3.14159 and 2.71828", "1,000,000 items",
    "it's", "It's I'll we're they've I'm he'd don't", "'s 't 're 've 'm 'll 'd", "'S 'T 'RE",
    "''s", "'''", "rock 'n' roll", "Dr. O'Neil's", "!!!???...", "(a+b)*c=d;", "<html><body>",
    "email@example.com https://example.org/path?q=1&x=2", "C++ and C#", "__init__(self)",
    "東京は日本の首都です。", "中文字符和English混合", "こんにちは、世界！", "한국어 텍스트",
    "😀😀😀", "👨‍👩‍👧‍👦 family", "flags 🇩🇪🇫🇷🇯🇵", "thumbs 👍🏻👍🏿", "e\u0301", "a\u0308\u0301b",
    "\u0915\u094d\u0937", "مرحبا بالعالم", "שלום, עולם!", "mixed עברית and English",
    "\u200b\u200c\u200d", "\ufeffBOM", "nbsp\u00a0here", "ideographic\u3000space",
    "line\u2028separator", "next\u0085line", "file\u001cgroup\u001drecord\u001eunit\u001f",
    "mongolian\u180evowel", "\x00\x01\x7f", "\U0001F600\U0010FFFD\uFFFD", "ǅ ǈ ǋ titlecase",
    "Ⅻ ⅷ ① ½ ² numbers", "٣٤٥ ۴۵۶ १२३", "<|endoftext|>", "a<|endoftext|>b",
    "<|endoftext|><|endoftext|>", " <|endoftext|> ", "<|padding|> x", "<|endoftext|",
    "<|endoftext|><|padding|>hello", "x  y", "x    y", "x     y", "a <mask> b", "a   <mask>",
    "a [SEP]  b", "[SEP]\n\nnext", "héllo world", "sayhéllo", "say héllo", "<|endof<|padding|>",
]


# Alphabets for made-up words, so that the corpus has enough distinct words for a vocabulary of
# a few thousand tokens.
ALPHABETS = ["abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvwxyzéèàüöäßç",
             "абвгдежзийклмнопрстуфхцчшщыэюя", "αβγδεζηθικλμνξοπρστυφχψω", "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
             "אבגדהוזחטיכלמנסעפצקרשת", "कखगघचछजझटठडढतथदधनपफबभमयरलवशसह", "가나다라마바사아자차카타파하한국어",
             "あいうえおかきくけこさしすせそたちつてと", "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年"]


def lexicon(rng, size):
    words = []
    for _ in range(size):
        alphabet = rng.choices(ALPHABETS, weights=[6, 3, 2, 1, 1, 1, 1, 1, 1, 1])[0]
        word = "".join(rng.choice(alphabet) for _ in range(rng.randint(2, 9)))
        words.append(word.capitalize() if rng.random() < 0.15 else word)
    return words


def corpus(rng, lines):
    vocabulary = WORDS + lexicon(rng, 6000)
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(vocabulary))]
    out = []
    for _ in range(lines):
        words = rng.choices(vocabulary, weights=weights, k=rng.randint(3, 20))
        line = ""
        for w in words:
            line += w + rng.choice([" ", " ", " ", " ", ", ", ". ", " - ", "  "])
        out.append(line.strip())
    return out


def random_code_point(rng):
    while True:
        r = rng.random()
        if r < 0.5:
            cp = rng.randrange(0x20, 0x3000)
        elif r < 0.8:
            cp = rng.randrange(0x3000, 0x10000)
        else:
            cp = rng.randrange(0x10000, 0x110000)
        if not 0xD800 <= cp < 0xE000:
            return chr(cp)


def random_string(rng):
    kind = rng.random()
    parts = []
    for _ in range(rng.randint(1, 16)):
        r = rng.random()
        if kind < 0.3 or r < 0.15:
            parts.append("".join(random_code_point(rng) for _ in range(rng.randint(1, 4))))
        elif r < 0.55:
            parts.append(rng.choice(WORDS))
        elif r < 0.75:
            parts.append(rng.choice(SPACES))
        elif r < 0.9:
            parts.append(rng.choice(PUNCT))
        elif r < 0.95:
            parts.append(rng.choice(SPECIALS + [t.content for t in ADDED]))
        else:
            parts.append(str(rng.randint(0, 10**rng.randint(1, 8))))
    return "".join(parts)


def ill_formed(rng):
    """Byte strings that are not UTF-8: stray continuation bytes, cut sequences, overlong
    forms, surrogates, bytes past U+10FFFF, mixed with text."""
    pieces = [b"\x80", b"\xbf", b"\xc0\xaf", b"\xc1\x81", b"\xe0\x80\xaf", b"\xed\xa0\x80",
              b"\xed\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf5\x80", b"\xff", b"\xfe", b"\xc3",
              b"\xe6\x97", b"\xf0\x9f\x98", b"\xf0\x9f", b"\xe0\xa0", b"\xc3\x28",
              bytes([rng.randrange(256)]), bytes(rng.randrange(256) for _ in range(4))]
    out = b""
    for _ in range(rng.randint(1, 6)):
        out += rng.choice(pieces) if rng.random() < 0.5 else random_string(rng).encode()
    return out


def train(rng, workdir):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=4000, special_tokens=SPECIALS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(corpus(rng, 20000), trainer=trainer)
    tok.add_tokens(ADDED)
    return json.loads(tok.to_str())


def variants(base):
    """The forms of tokenizer.json to check: name -> JSON."""
    out = {"merges-as-pairs": base}
    legacy = json.loads(json.dumps(base))
    legacy["model"]["merges"] = [" ".join(pair) for pair in base["model"]["merges"]]
    out["merges-as-strings"] = legacy
    prefix = json.loads(json.dumps(base))
    prefix["pre_tokenizer"]["add_prefix_space"] = True
    out["add-prefix-space"] = prefix
    sequence = json.loads(json.dumps(base))
    sequence["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": GPT2_PATTERN}, "behavior": "Isolated",
         "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
         "use_regex": False}]}
    out["split-then-bytelevel"] = sequence
    return out


def run_batch(ssm_run, tokenizer, requests, skip_special=False):
    cmd = [ssm_run, "--tokenizer", tokenizer, "--batch", "-"] + (
        ["--skip-special"] if skip_special else [])
    result = subprocess.run(cmd, input="".join(r + "\n" for r in requests).encode(),
                            capture_output=True, check=False)
    if result.returncode != 0:
        sys.exit("tokenizer_conformance: %s failed (%d): %s" % (
            " ".join(cmd), result.returncode, result.stderr.decode(errors="replace")))
    lines = result.stdout.decode().split("\n")
    assert lines[-1] == "" and len(lines) == len(requests) + 1, "one answer line per request"
    return lines[:-1]


def encode_request(data):
    return "encode " + data.hex()


def decode_request(ids):
    return "decode " + " ".join(map(str, ids))


def parse_ids(line):
    return [int(x) for x in line.split()] if line else []


class Checker:
    def __init__(self):
        self.compared = 0
        self.failures = []

    def expect(self, what, got, want):
        self.compared += 1
        if got != want:
            self.failures.append("%s: got %r, expected %r" % (what, got, want))


def check_variant(name, spec, workdir, ssm_run, strings, bad_bytes, rng, check):
    path = os.path.join(workdir, name + ".json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(spec, f, ensure_ascii=False)
    hf = Tokenizer.from_file(path)
    vocab_size = hf.get_vocab_size(with_added_tokens=True)
    expected = [hf.encode(s).ids for s in strings]
    replaced = [b.decode("utf-8", errors="replace") for b in bad_bytes]
    expected_bad = [hf.encode(s).ids for s in replaced]
    random_ids = [[rng.randrange(vocab_size) for _ in range(rng.randint(0, 12))]
                  for _ in range(300)]
    requests = ([encode_request(s.encode()) for s in strings] +
                [encode_request(b) for b in bad_bytes] +
                [decode_request(ids) for ids in expected + random_ids])
    for skip in (False, True):
        answers = run_batch(ssm_run, path, requests, skip_special=skip)
        n, m = len(strings), len(bad_bytes)
        if not skip:
            for s, want, got in zip(strings, expected, answers[:n]):
                check.expect("%s: encode %r" % (name, s), parse_ids(got), want)
            for b, want, got in zip(bad_bytes, expected_bad, answers[n:n + m]):
                check.expect("%s: encode ill-formed %r" % (name, b), parse_ids(got), want)
        for ids, got in zip(expected + random_ids, answers[n + m:]):
            text = bytes.fromhex(got).decode("utf-8")
            check.expect("%s: decode %r (skip special: %s)" % (name, ids, skip), text,
                         hf.decode(ids, skip_special_tokens=skip))
        if not skip and not spec["pre_tokenizer"].get("add_prefix_space"):
            # The round trip, where the library has one: not with a prefix space, not through
            # added tokens that strip white space, and not through "héllo", which decodes
            # through the byte map as Latin-1.
            for s, got in zip(strings, answers[n + m:n + m + n]):
                if not any(t in s for t in STRIPPING + ["héllo"]):
                    check.expect("%s: decode(encode(%r))" % (name, s),
                                 bytes.fromhex(got).decode("utf-8"), s)


def check_byte_level(ssm_run, strings, bad_bytes, check):
    data = [s.encode() for s in strings] + bad_bytes
    answers = run_batch(ssm_run, "bytes", [encode_request(d) for d in data] +
                        [decode_request(list(d)) for d in data])
    for d, got in zip(data, answers[:len(data)]):
        check.expect("bytes: encode %r" % d, parse_ids(got), list(d))
    for d, got in zip(data, answers[len(data):]):
        check.expect("bytes: decode %r" % d, bytes.fromhex(got), d)


def check_refusals(ssm_run, base, workdir, check):
    """Files the runtime must refuse, each with the field named in the message."""
    def edited(edit):
        spec = json.loads(json.dumps(base))
        edit(spec)
        return spec
    cases = {
        "NFC": edited(lambda s: s.update(normalizer={"type": "NFC"})),
        "model.type": edited(lambda s: s["model"].update(type="WordPiece")),
        "model.merges[3]": edited(lambda s: s["model"]["merges"].__setitem__(3, ["zzq", "x"])),
        "single_word": edited(lambda s: s["added_tokens"][0].update(single_word=True)),
        "post_processor": edited(lambda s: s.update(post_processor={
            "type": "TemplateProcessing", "single": [], "pair": [], "special_tokens": {}})),
    }
    for needle, spec in cases.items():
        path = os.path.join(workdir, "refused.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(spec, f)
        result = subprocess.run([ssm_run, "--tokenizer", path, "--prompt", "x"],
                                capture_output=True, text=True, check=False)
        check.expect("refusal of %s: exit code" % needle, result.returncode, 1)
        check.expect("refusal of %s: message names it" % needle,
                     needle in result.stderr, True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ssm-run", required=True)
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of the corpus and the strings (default: a fresh one)")
    parser.add_argument("--strings", type=int, default=3000,
                        help="random strings on top of the hand-written ones")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    print("tokenizer_conformance: seed %d (rerun with --seed %d)" % (seed, seed))
    rng = random.Random(seed)
    start = time.time()
    check = Checker()
    with tempfile.TemporaryDirectory() as workdir:
        base = train(rng, workdir)
        print("tokenizer_conformance: trained a BPE of %d tokens and %d merges in %.1f s" % (
            len(base["model"]["vocab"]), len(base["model"]["merges"]), time.time() - start))
        strings = HAND_WRITTEN + [random_string(rng) for _ in range(args.strings)]
        bad_bytes = [ill_formed(rng) for _ in range(300)]
        for name, spec in variants(base).items():
            check_variant(name, spec, workdir, args.ssm_run, strings, bad_bytes, rng, check)
        check_byte_level(args.ssm_run, strings, bad_bytes, check)
        check_refusals(args.ssm_run, base, workdir, check)
    for failure in check.failures[:30]:
        print("FAIL " + failure)
    print("tokenizer_conformance: %d strings and %d ill-formed byte strings per tokenizer; "
          "%d comparisons, %d mismatches, %.1f s" % (len(strings), len(bad_bytes),
                                                     check.compared, len(check.failures),
                                                     time.time() - start))
    return 1 if check.failures else 0


if __name__ == "__main__":
    sys.exit(main())
