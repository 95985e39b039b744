"""The Bible corpus builder on a small hand-written OSIS sample, and on a real diatheke export."""


import pytest

from rnnkit.tasks.translate.corpus import build_pairs, parse_osis, strip_markup, uncap_initial, write_splits
from rnnkit.tasks.translate.data import read_tsv

M = '<milestone type="line"/>'
LONG_EN = "and the men of the city went out to the gate and sat there all day long, waiting for the word of the king"
LONG_ES = "y los hombres de la ciudad salieron á la puerta y se sentaron allí todo el día, esperando la palabra del rey"
ENGLISH = "\n".join([
    f'Genesis 1:1: <w>In</w> <w>the</w> <w>beginning</w>, <w>God</w><note placement="foot">1:1 The Hebrew word '
    f'rendered “God” is “Elohim”.</note> <w>created</w> <w>the</w> heavens <w>and</w> <w>the</w> earth.{M}',
    f"Genesis 1:2: The earth was formless and empty.{M}",
    f"Genesis 1:3: God said, “Let there be light,” and there was light.{M}",
    f"Genesis 1:4: God saw the light, and saw that it was good.{M}",
    f'Genesis 1:5: God called the light “day”, and the darkness he called “night”.{M}',
    f"A Psalm by David, when he fled from Absalom his son.  Psalms 3:1: Yahweh, how my adversaries have increased!{M}",
    f"A Psalm by David, when he fled from Absalom his son.  Psalms 3:2: Many there are who say of my soul.{M}",
    f"A Psalm by David, when he fled from Absalom his son.  Psalms 3:3: But you, Yahweh, are a shield around me.{M}",
    f"ALEPH  Psalms 119:1: Blessed are those whose ways are blameless.{M}",
    f"ALEPH  Psalms 119:2: Blessed are those who keep his statutes.{M}",
    f"ALEPH  Psalms 119:3: Yes, they do nothing wrong.{M}",
    f"ALEPH  Tobit 1:1: The book of the words of Tobit.{M}",
    f"Ruth 1:1: Then {LONG_EN}.{M}",
    f"Ruth 1:2: He wept.{M}",
    f"Ruth 1:3: So {LONG_EN}, and then {LONG_EN}.{M}",
    f"Ruth 1:4: They slept.{M}",
    f"Ruth 1:5: Then {LONG_EN}.{M}",
    f"Ruth 1:6: {M}",
    "(engWEB2015eb)",
])
SPANISH = "\n".join([
    f'Genesis 1:1: <w>EN el principio</w> <w lemma="H0430">crió</w> <w>Dios</w> <w>los cielos</w> y la tierra.{M}',
    f"Genesis 1:2: Y la tierra estaba desordenada y vacía.{M}",
    f"Genesis 1:3: Y dijo Dios: Sea la luz: y fué la luz.{M}",
    f"Genesis 1:4: Y vió Dios que la luz era buena.{M}",
    f"Genesis 1:5: Y llamó Dios á la luz Día, y á las tinieblas llamó Noche.{M}",
    f"Psalms 3:1: Salmo de David, cuando huía de delante de Absalom su hijo. ¡OH Jehová, cuánto se han "
    f"multiplicado mis enemigos!{M}",
    f"Psalms 3:2: Muchos son los que dicen de mi alma.{M}",
    f"Psalms 3:3: Mas tú, Jehová, eres escudo mío.{M}",
    f"Psalms 119:1: ALEPH. BIENAVENTURADOS los perfectos de camino.{M}",
    f"Psalms 119:2: Bienaventurados los que guardan sus testimonios.{M}",
    f"Psalms 119:3: Pues no hacen iniquidad.{M}",
    f"Ruth 1:1: Lloró.{M}",                          # the shifted chapter: every verse one off
    f"Ruth 1:2: Así {LONG_ES}, y luego {LONG_ES}.{M}",
    f"Ruth 1:3: Durmieron.{M}",
    f"Ruth 1:4: Entonces {LONG_ES}.{M}",
    f"Ruth 1:5: Fin.{M}",
    f"Ruth 1:6: Y se fueron.{M}",
    "(spaRV1909eb)",
])


def build():
    return build_pairs(ENGLISH, SPANISH)


def test_markup_footnotes_and_strongs_numbers_are_stripped():
    splits, _ = build()
    en, es = {r: (a, b) for r, a, b in splits["train"]}[("Genesis", 1, 1)]
    assert en == "In the beginning, God created the heavens and the earth."
    assert es == "En el principio crió Dios los cielos y la tierra."  # drop capital and lemma="H0430" gone
    assert strip_markup('<w lemma="G5547">Cristo</w> <note placement="foot">x</note>dijo') == "Cristo dijo"


def test_headings_superscriptions_and_acrostic_letters():
    pairs = {r: (a, b) for r, a, b in build()[0]["train"]}
    en, es = pairs[("Psalms", 3, 1)]
    assert en == "A Psalm by David, when he fled from Absalom his son. Yahweh, how my adversaries have increased!"
    assert es.startswith("Salmo de David")
    assert pairs[("Psalms", 3, 2)][0] == "Many there are who say of my soul."  # the stale heading is gone
    assert pairs[("Psalms", 119, 1)] == ("Blessed are those whose ways are blameless.",
                                         "Bienaventurados los perfectos de camino.")
    assert pairs[("Psalms", 119, 2)][0] == "Blessed are those who keep his statutes."


def test_alignment_and_the_shifted_chapter_are_counted():
    splits, report = build()
    assert report.removed["English only (deuterocanon, numbering)"] == 1          # Tobit
    assert report.removed["empty on one side"] == 1                               # Ruth 1:6
    assert report.removed["shifted chapters (length-ratio outliers)"] == 5        # Ruth 1:1-5
    assert report.shifted_chapters == ["Ruth 1"]
    assert report.changed["Psalm superscriptions joined to verse 1"] == 1
    assert report.changed["acrostic letters (Spanish verses)"] == 1
    assert report.kept == 11 and report.splits == {"train": 11, "valid": 0, "test": 0}
    assert any("Ruth 1" in line for line in report.lines())


def test_splits_by_book_are_written_as_tsv(tmp_path):
    english = ENGLISH.replace("Ruth 1:", "Exodus 1:") + f"\nJames 1:1: Paul, a servant.{M}\nJude 1:1: Jude, a servant.{M}"
    spanish = SPANISH.replace("Ruth 1:", "Exodus 1:") + f"\nJames 1:1: Pablo, siervo.{M}\nJude 1:1: Judas, siervo.{M}"
    splits, report = build_pairs(english, spanish)
    assert report.splits == {"train": 11, "valid": 1, "test": 1}
    write_splits(splits, tmp_path)
    test = read_tsv(tmp_path / "test.tsv")
    assert (test.sources, test.targets) == (["Paul, a servant."], ["Pablo, siervo."])
    assert (tmp_path / "valid.refs").read_text() == "Jude 1:1\n"


def test_a_record_without_a_reference_names_its_line():
    with pytest.raises(ValueError, match=r"engWEB2015eb, line 2: expected 'Book C:V: text'"):
        parse_osis(f"Genesis 1:1: x{M}\nnot a verse at all\n", "engWEB2015eb")


def test_drop_capitals():
    assert uncap_initial("Y ACONTECIÓ en los días") == "Y aconteció en los días"
    assert uncap_initial("¡OH Jehová") == "¡Oh Jehová"


def test_real_export_of_ruth_aligns_every_verse():
    from rnnkit.tasks.translate.corpus import ENGLISH as EN, SPANISH as ES, export

    splits, report = build_pairs(export(EN, True, "Ruth 1:1-Ruth 4:22"), export(ES, False, "Ruth 1:1-Ruth 4:22"))
    assert report.english_records == report.spanish_records == 85
    assert report.splits["test"] == 85
    ref, en, es = splits["test"][0]
    assert ref == ("Ruth", 1, 1) and en.startswith("In the days when the judges judged")
    assert es.startswith("Y aconteció en los días")
    assert all("<" not in e and "<" not in s for _, e, s in splits["test"])
