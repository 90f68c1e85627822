"""Sentence banks for the offline storyteller (``storyteller.py``): data only, no logic.

A ``Line`` is one sentence slot with interchangeable wordings per age register: ``tiny``
(ages 2-3), ``young`` (4-6), ``older`` (7-9) and ``rich`` (10-12). A missing register falls
back (tiny to young, rich to older); an explicitly empty one (``tiny=()``) leaves the slot out
at that age. The seed picks one wording per slot. Required slots (``R``) are always told;
optional ones (``L``, ``O`` for ages 7-12, ``X`` for 10-12) are added only while the story is
shorter than its band wants. Several strings in one ``tiny=`` are alternatives; a toddler
wording may hold two or three short sentences.

A ``Para`` is a paragraph of slots. A ``TypeBank`` gives each story type its ``shape``: the
sections in order, each filled from a ``Para`` of ``sections`` or from the chosen setting,
problem or educational topic (``"setting.desc"``, ``"problem.setup"``, ``"topic.facts"``);
``"mid"`` and ``"late"`` mark where optional episodes go.

Placeholders a wording may use (a wording whose placeholder has no value is skipped):

    {name} {name_s}            the child and "Mia's"
    {comp} {comp_s}            the companion ("Pip", "Grandma") and "Pip's"
    {comp_intro}               the first mention ("a small orange fox called Pip")
    {cpos}                     the companion's possessive pronoun ("his", "her", "their")
    {comp_act} {comp_act2} {comp_act3}  three different actions ("flicked his bushy tail")
    {comp_says}                a speech verb ("yipped", "said")
    {place} {place_title}      the setting ("the sunny meadow" / "the Sunny Meadow")
    {place_bare}               the setting without article ("moonlit meadow")
    {detail} {detail2} {detail3}  things there, each with its article ("a babbling stream")
    {shy}                      a shy little creature that lives there ("a shy little hedgehog")
    {colour} {colour2}         colours of the drawing ("sunny yellow"); {a_colour} with article
    {colours}                  the colours joined ("sunny yellow and sky blue")
    {subject} {subject2}       things drawn ("a shining sun"); {subjects} joined;
    {subject_bare}             the first without article ("shining sun")
    {drawing}                  what the drawing shows ("a picture of a shining sun in sunny yellow")
    {interest} {interests}     one interest ("dinosaurs") / all of them ("dinosaurs and trains")
    {interest_el}              the interest as a story element ("a friendly little dinosaur")
    {interest_act}             what it does ("stomped along, swishing a long green tail")
    {idea}                     a typed story idea ("a turtle who wants to fly")
    {req} {req_be}             a parent's special request ("a purple dragon") and "was"/"were"
    {topic} {topic_title}      an educational story's topic ("shapes" / "Shapes")
    {question} {fact} {fact_cap}  its question, and its fact in a few words (and capitalised)
    {moral}                    the closing lesson ("kindness makes every adventure brighter")
    {cameo}                    another character from the story type's elements ("a helpful owl")
    {problem_title}            the gentle problem, for titles ("the Stuck Kite")

Wordings never use pronouns for the child, so any child fits; they contain no digits (which
read as personal data) and avoid every word the safety rules flag: no fights or weapons, no
creature next to a scary word, nothing "lost forever", no dying plants. The tests check every
wording against ``safety.check_text``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mira.vocabulary import STORY_TYPES


@dataclass(frozen=True)
class Line:
    """One sentence slot: interchangeable wordings per age register."""

    young: tuple[str, ...]
    older: tuple[str, ...]
    tiny: tuple[str, ...] | None = None  # None: use the young wordings; (): leave out
    rich: tuple[str, ...] | None = None  # None: use the older wordings; (): leave out
    req: bool = False

    def for_register(self, register: str) -> tuple[str, ...]:
        """The wordings for ``tiny`` | ``young`` | ``older`` | ``rich``, with fallbacks."""
        if register == "tiny":
            return self.young if self.tiny is None else self.tiny
        if register == "young":
            return self.young
        if register == "older":
            return self.older
        return self.older if self.rich is None else self.rich


_Words = str | tuple[str, ...] | None


def _t(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _opt(value: _Words) -> tuple[str, ...] | None:
    return None if value is None else _t(value)


def L(
    young: str | tuple[str, ...],
    older: _Words = None,
    *,
    tiny: _Words = None,
    rich: _Words = None,
    req: bool = False,
) -> Line:
    """An optional ``Line``; older wordings default to the young ones, tiny to young."""
    young_t = _t(young)
    older_t = young_t if older is None else _t(older)
    return Line(young_t, older_t, _opt(tiny), _opt(rich), req)


def R(
    young: str | tuple[str, ...],
    older: _Words = None,
    *,
    tiny: _Words = None,
    rich: _Words = None,
) -> Line:
    """A required ``Line``."""
    return L(young, older, tiny=tiny, rich=rich, req=True)


def O(older: str | tuple[str, ...], *, rich: _Words = None) -> Line:  # noqa: E743
    """An optional line for ages 7-12 only: richer stories get more detail."""
    return Line((), _t(older), (), _opt(rich), False)


def X(rich: str | tuple[str, ...]) -> Line:
    """An optional line for ages 10-12 only."""
    return Line((), (), (), _t(rich), False)


@dataclass(frozen=True)
class Para:
    """A paragraph of slots, usable when its conditions hold."""

    lines: tuple[Line, ...]
    key: str = ""
    when: tuple[str, ...] = ()  # flags that must all be set: drawing, idea, interests, ...
    needs: tuple[str, ...] = ()  # setting tags, any of which will do
    mood: str = ""  # "" any | lively | calm
    slot: str = "mid"  # episodes: mid (before the problem) or late (after it)
    per: str = ""  # "interest": one copy per interest
    priority: bool = False  # episodes that must be told (the child's interest, a request)


@dataclass(frozen=True)
class Setting:
    key: str
    place: str  # definite, lower case unless a proper name: "the sunny meadow"
    title: str  # for titles: "the Sunny Meadow"
    desc: tuple[Line, ...]  # getting there and what it looks like
    details: tuple[str, ...]  # things to find there, each with its article
    tags: tuple[str, ...] = ()  # outdoor, trees, stream, sea, sand, snow, sky, space, night, ...
    match: tuple[str, ...] = ()  # words of story-element settings that mean this place
    drawn: tuple[str, ...] = ()  # words of drawn subjects that suggest this place
    shy: str = "a shy little rabbit"
    companions: tuple[str, ...] = ()  # companion keys that fit here (empty: any that fits)
    problems: tuple[str, ...] = ()  # problem keys that fit here (empty: any whose needs fit)
    topics: tuple[str, ...] = ()  # educational topics that fit here
    meet: tuple[Line, ...] = ()  # real-world settings introduce their own people
    bare: str = ""  # "moonlit meadow", for "Goodnight, moonlit meadow"


@dataclass(frozen=True)
class Companion:
    key: str
    intro: str  # "a small orange fox called Pip"
    ref: str  # "Pip"
    pos: str  # "his" | "her" | "their"
    kind: str  # "fox": checked against topics to avoid
    acts: tuple[str, ...]
    says: tuple[str, ...] = ("said",)
    match: tuple[str, ...] = ()  # words of story-element characters that mean this companion
    needs: tuple[str, ...] = ()  # setting tags, any of which will do (a turtle needs water)


@dataclass(frozen=True)
class Problem:
    key: str
    title: str  # "the Stuck Kite"
    setup: tuple[Line, ...]
    solve: tuple[Line, ...]
    needs: tuple[str, ...] = ()  # setting tags, any of which will do


@dataclass(frozen=True)
class Topic:
    """One small, true thing an educational story teaches."""

    key: str
    label: str  # "colours"
    match: tuple[str, ...]  # words of an educational focus, interest or subject that mean it
    question: str
    fact: str  # the fact in a few words, for the recap: "blue and yellow make green"
    facts: tuple[Line, ...]
    problem: Problem
    episodes: tuple[Para, ...] = ()
    avoid_words: tuple[str, ...] = ()  # what the facts talk about, checked against avoid-topics


@dataclass(frozen=True)
class Interest:
    """A child's interest; known ones become a character or thing in the story."""

    label: str  # as the parent wrote it: "dinosaurs"
    match: tuple[str, ...]
    el: str  # "a friendly little dinosaur"; empty for interests the banks do not know
    acts: tuple[str, ...]


@dataclass(frozen=True)
class TypeBank:
    titles: tuple[str, ...]
    shape: tuple[str | tuple[str, ...], ...]  # sections; "mid"/"late" are where episodes go
    sections: dict[str, tuple[Para, ...]]
    settings: tuple[Setting, ...]
    companions: tuple[Companion, ...]
    problems: tuple[Problem, ...]
    episodes: tuple[Para, ...]
    morals: tuple[str, ...]
    theme_morals: tuple[tuple[str, str], ...] = ()  # (theme word, moral) from story elements
    mood: str = "lively"
    topics: tuple[Topic, ...] = ()


# --- interests -----------------------------------------------------------------------------------

INTERESTS: tuple[Interest, ...] = (
    Interest(
        "dinosaurs",
        ("dino", "dinosaur", "t-rex", "trex", "triceratops", "stegosaurus"),
        "a friendly little dinosaur",
        (
            "stomped along happily, swishing a long green tail",
            "gave a tiny, happy stomp and a wide, toothy grin",
            "nodded a bumpy head and wiggled a long tail",
        ),
    ),
    Interest(
        "space",
        ("space", "planet", "rocket", "astronaut", "star", "galaxy", "moon"),
        "a tiny silver rocket",
        (
            "zoomed around in happy circles, twinkling like a star",
            "looped the loop and left a trail of sparkles",
        ),
    ),
    Interest(
        "trains",
        ("train", "railway", "locomotive"),
        "a little red train",
        ("chugged past with a cheerful toot, toot", "puffed soft white clouds and rang its bell"),
    ),
    Interest(
        "cars",
        ("car", "truck", "tractor", "digger", "vehicle", "bus", "fire engine"),
        "a little blue car",
        ("beeped a cheerful hello and zoomed in a circle", "rolled by with a friendly honk, honk"),
    ),
    Interest(
        "unicorns",
        ("unicorn",),
        "a giggling unicorn",
        ("tossed a shimmering rainbow mane", "pranced in a circle, leaving glitter behind"),
    ),
    Interest(
        "dragons",
        ("dragon",),
        "a friendly little dragon",
        ("puffed out a stream of warm, glittery bubbles", "flapped small green wings and giggled"),
    ),
    Interest(
        "fairies",
        ("fairy", "fairies", "pixie"),
        "a tiny fairy",
        ("sprinkled glittering dust over the flowers", "fluttered in a loop, giggling softly"),
    ),
    Interest(
        "mermaids",
        ("mermaid",),
        "a singing mermaid",
        ("waved a shimmering tail", "sang a sweet, bubbly song"),
    ),
    Interest(
        "robots",
        ("robot",),
        "a helpful little robot",
        ("beeped a happy tune and spun around", "blinked bright lights in every colour"),
    ),
    Interest(
        "pirates",
        ("pirate",),
        "a jolly pirate with a parrot on each shoulder",
        (
            "waved a big feathered hat and laughed a jolly laugh",
            "sang a sea shanty, loud and merry",
        ),
    ),
    Interest(
        "princesses",
        ("princess", "prince", "castle", "queen", "king"),
        "a kind princess in a sparkly crown",
        ("curtsied and smiled warmly", "waved from the window of a little tower"),
    ),
    Interest(
        "football",
        ("football", "soccer", "ball", "sport", "rugby", "basketball"),
        "a bouncy striped ball",
        ("rolled right up to the path, ready to play", "bounced high and landed with a soft thud"),
    ),
    Interest(
        "animals",
        ("animal", "zoo", "pet"),
        "a family of friendly rabbits",
        ("hopped over to say hello, noses twitching", "thumped their soft feet in welcome"),
    ),
    Interest(
        "butterflies",
        ("butterfl", "caterpillar", "insect", "bug", "ladybird", "ladybug", "bee"),
        "a butterfly with shimmering wings",
        ("landed softly on a flower", "danced in the air like a floating petal"),
    ),
    Interest(
        "dogs",
        ("dog", "puppy", "puppies"),
        "a waggy little puppy",
        ("wagged a fluffy tail and gave a happy woof", "rolled over for a tummy tickle"),
    ),
    Interest(
        "cats",
        ("cat", "kitten", "kitty"),
        "a fluffy kitten",
        ("purred and rubbed against the path", "chased a leaf round and round"),
    ),
    Interest(
        "horses",
        ("horse", "pony", "ponies"),
        "a friendly little pony",
        ("trotted over with a happy neigh", "shook a long, silky mane"),
    ),
    Interest(
        "birds",
        ("bird", "owl", "parrot", "penguin"),
        "a little bird with bright feathers",
        ("sang a merry song", "hopped along the branch and chirped hello"),
    ),
    Interest(
        "the sea",
        ("sea", "ocean", "fish", "whale", "dolphin", "beach", "shark"),
        "a playful dolphin",
        ("leapt out of the water with a splash", "clicked and whistled a happy hello"),
    ),
    Interest(
        "music",
        ("music", "sing", "song", "dance", "dancing", "piano", "guitar", "drum"),
        "a merry little band of musicians",
        ("played a bouncy tune on tiny drums and flutes", "struck up a happy song"),
    ),
    Interest(
        "drawing",
        ("draw", "paint", "art", "colour", "color", "crayon"),
        "a magic paintbrush",
        ("painted a rainbow right across the air", "swished and swirled, leaving bright colours"),
    ),
    Interest(
        "books",
        ("book", "read", "stories", "story"),
        "a little flying book",
        ("flapped its pages like wings", "opened to a page full of pictures"),
    ),
    Interest(
        "flowers",
        ("flower", "garden", "plant"),
        "a field of nodding sunflowers",
        ("turned their happy faces to the sun", "swayed gently, as if they were dancing"),
    ),
)


def interest_for(text: str) -> Interest | None:
    """The known interest ``text`` mentions, relabelled with the parent's words."""
    lowered = text.lower()
    for interest in INTERESTS:
        if any(re.search(rf"\b{re.escape(word)}", lowered) for word in interest.match):
            label = lowered if text[:1].isupper() and not text[1:2].isupper() else text
            return Interest(label, interest.match, interest.el, interest.acts)
    return None


# --- adventure -----------------------------------------------------------------------------------

_ADV_SETTINGS = (
    Setting(
        "meadow",
        "the sunny meadow",
        "the Sunny Meadow",
        (
            R(
                "{name} skipped along a little path to {place}.",
                "{name} followed a winding path over the hill until it opened onto {place}.",
                tiny="{name} walked to {place}.",
            ),
            R(
                "Tall grass swayed in the breeze, and butterflies danced over the flowers.",
                (
                    "Tall grass swayed in the warm breeze, and butterflies danced from flower to "
                    "flower.",
                ),
                tiny="The grass went swish, swish. Butterflies danced on the flowers.",
            ),
            L("{name} could see {detail} and {detail2}.", tiny="{name} saw {detail}."),
            O(
                "Bees hummed as they went from flower to flower, busy with their work.",
                rich="Bees hummed lazily from blossom to blossom, and the air smelled of clover.",
            ),
            X("It was the kind of place where every blade of grass seemed to glitter."),
        ),
        (
            "a babbling stream",
            "a big old oak tree",
            "a patch of wild strawberries",
            "a hill of daisies",
        ),
        ("outdoor", "trees", "stream", "wind", "grass"),
        ("meadow", "field", "countryside", "grass"),
        ("flower", "grass", "sun", "tree"),
        "a shy little hedgehog",
    ),
    Setting(
        "forest",
        "the whispering forest",
        "the Whispering Forest",
        (
            R(
                "{name} stepped between the tall trees of {place}.",
                "{name} stepped carefully between the tall, mossy trees of {place}.",
                tiny="{name} went into {place}.",
            ),
            R(
                "Sunlight fell through the leaves in golden stripes.",
                "Sunlight fell through the leaves in long golden stripes, and the air smelled fresh and green.",
                tiny="The trees were tall and green.",
            ),
            L(
                "Birds sang high above, and the ground was soft with moss.",
                tiny="Birds sang tweet, tweet.",
            ),
            L(
                "Nearby there was {detail}.",
                "Here and there {name} noticed {detail} and {detail2}.",
            ),
            X("The leaves rustled softly, as though the whole forest was sharing a secret."),
        ),
        (
            "a mossy log",
            "a ring of spotty mushrooms",
            "a tiny waterfall",
            "a tree with a round little door",
        ),
        ("outdoor", "trees", "stream"),
        ("forest", "wood", "woods", "jungle"),
        ("tree", "leaf", "leafy", "green"),
        "a shy baby deer",
    ),
    Setting(
        "island",
        "the treasure island",
        "Treasure Island",
        (
            R(
                "{name} sailed a little boat across the sparkling sea to {place}.",
                "{name} sailed a little wooden boat across the sparkling sea, all the way to {place}.",
                tiny="{name} sailed a boat to an island.",
            ),
            R(
                "The sand was warm and soft, and the waves went splish, splash.",
                "The sand was warm under bare feet, and the waves rolled in with a gentle splish, splash.",
                tiny="The sand was warm. The waves went splash!",
            ),
            L("Along the beach there was {detail} and {detail2}.", tiny="{name} saw {detail}."),
            O(
                "Seagulls called overhead, and the breeze smelled of salt.",
                rich="Seagulls wheeled overhead, and the breeze carried the bright, salty smell of the sea.",
            ),
        ),
        (
            "a row of tall palm trees",
            "a rock pool full of tiny shells",
            "a sparkly sand dune",
            "a big piece of driftwood",
        ),
        ("outdoor", "sea", "sand", "trees", "water"),
        ("island", "treasure", "beach", "seaside", "pirate"),
        ("sea", "water", "sun", "sand", "boat", "blue"),
        "a shy little crab",
    ),
    Setting(
        "moon",
        "the moon",
        "the Moon",
        (
            R(
                "{name} climbed into a shiny little rocket and counted: three, two, one, blast off!",
                (
                    "{name} climbed into a shiny little rocket, buckled up and counted down: three, "
                    "two, one, blast off!",
                ),
                tiny="{name} got in a rocket. Three, two, one... whoosh!",
            ),
            R(
                "Up, up, up it flew, all the way to {place}.",
                "The rocket zoomed up through the clouds and out among the stars, all the way to {place}.",
                tiny="Up, up to the moon!",
            ),
            L(
                "The moon was silver and dusty, and every step was a soft, bouncy hop.",
                tiny="Hop, hop, bounce!",
            ),
            L(
                "Far away, the Earth glowed blue and green like a marble.",
                tiny="The Earth looked blue and green.",
            ),
            O("There was {detail} and, beyond it, {detail2}."),
        ),
        (
            "a wide, round crater",
            "a silver hill",
            "a field of moon dust",
            "a view of twinkling stars",
        ),
        ("space", "sky", "night"),
        ("moon", "space", "stars", "planet", "rocket"),
        ("moon", "star", "night", "sky"),
        "a shy little moon mouse",
        problems=("rocket", "map", "shy", "stars"),
    ),
    Setting(
        "underwater",
        "the underwater garden",
        "the Underwater Garden",
        (
            R(
                "{name} put on a bubbly diving helmet and floated down to {place}.",
                "{name} put on a bubbly diving helmet and floated slowly down, down, down to {place}.",
                tiny="{name} went down, down under the sea.",
            ),
            R(
                "Seaweed swayed like ribbons, and little fish zipped past.",
                "Seaweed swayed like ribbons, and little fish zipped past in a shimmering cloud.",
                tiny="Little fish swam by.",
            ),
            L("There was {detail} and {detail2}.", tiny="{name} saw {detail}."),
            O("Everything was blue and green and quiet, except for the bubbles going blub, blub."),
        ),
        (
            "a coral arch",
            "a forest of swaying seaweed",
            "a giant, smiling clam",
            "a sandy patch full of shells",
        ),
        ("sea", "water"),
        ("underwater", "ocean", "sea", "coral", "reef"),
        ("sea", "water", "blue"),
        "a shy little seahorse",
        companions=("turtle", "octopus", "robot", "explorer"),
        problems=("chest", "shy", "map"),
    ),
    Setting(
        "mountain",
        "the snowy mountain",
        "the Snowy Mountain",
        (
            R(
                "{name} zipped up a warm coat and started up {place}.",
                "{name} zipped up a warm coat, pulled on fluffy mittens and started up {place}.",
                tiny="{name} put on a warm coat.",
            ),
            R(
                "Crunch, crunch, crunch went the snow.",
                "Crunch, crunch, crunch went the snow, and every breath made a little puff of cloud.",
            ),
            L(
                "Everything sparkled white, and snowflakes drifted down like feathers.",
                tiny="Snow fell, soft and white.",
            ),
            L("Up ahead there was {detail} and {detail2}."),
        ),
        (
            "a frozen waterfall",
            "a cosy wooden hut",
            "a slope just right for sledging",
            "a row of tall pine trees",
        ),
        ("outdoor", "snow", "trees", "wind"),
        ("mountain", "snow", "hill", "ice"),
        ("snow", "white", "cloud"),
        "a shy snow hare",
    ),
)

_ADV_COMPANIONS = (
    Companion(
        "fox",
        "a small orange fox called Pip",
        "Pip",
        "his",
        "fox",
        (
            "flicked his bushy tail",
            "sniffed the air with his little black nose",
            "did a happy twirl",
            "wiggled his pointy ears",
        ),
        ("yipped", "said"),
        ("fox",),
        ("outdoor",),
    ),
    Companion(
        "owl",
        "a helpful owl called Olive",
        "Olive",
        "her",
        "owl",
        (
            "fluffed her soft feathers",
            "blinked her big round eyes",
            "hooted a cheerful hoot",
            "tilted her head this way and that",
        ),
        ("hooted", "said"),
        ("owl",),
        ("trees",),
    ),
    Companion(
        "turtle",
        "a wise old turtle called Tilly",
        "Tilly",
        "her",
        "turtle",
        (
            "poked her head out of her shell",
            "smiled a slow, wise smile",
            "paddled her flippers",
            "nodded slowly",
        ),
        ("said",),
        ("turtle", "tortoise"),
        ("water", "sea", "stream"),
    ),
    Companion(
        "robot",
        "a curious robot called Bolt",
        "Bolt",
        "his",
        "robot",
        (
            "beeped and whirred",
            "blinked his bright blue lights",
            "spun around on his wheels",
            "waved a bendy metal arm",
        ),
        ("beeped", "said"),
        ("robot",),
    ),
    Companion(
        "goat",
        "a fluffy mountain goat called Gus",
        "Gus",
        "his",
        "goat",
        ("hopped from rock to rock", "shook the snow off his beard", "gave a happy little skip"),
        ("bleated", "said"),
        ("goat",),
        ("snow",),
    ),
    Companion(
        "octopus",
        "a cheerful octopus called Inky",
        "Inky",
        "her",
        "octopus",
        (
            "waved all eight arms at once",
            "changed from pink to purple and back again",
            "blew a stream of tiny bubbles",
        ),
        ("bubbled", "said"),
        ("octopus",),
        ("sea",),
    ),
    Companion(
        "mouse",
        "a tiny astronaut mouse called Nibbles",
        "Nibbles",
        "his",
        "mouse",
        (
            "bounced in his little space suit",
            "twitched his whiskers inside his helmet",
            "gave a tiny thumbs up",
        ),
        ("squeaked", "said"),
        ("mouse", "astronaut"),
        ("space",),
    ),
    Companion(
        "explorer",
        "a brave explorer called Captain Sam",
        "Captain Sam",
        "her",
        "explorer",
        ("checked her big map", "peered through her little telescope", "tipped her explorer's hat"),
        ("said", "called"),
        ("explorer", "captain"),
    ),
    Companion(
        "parrot",
        "a chatty parrot called Mango",
        "Mango",
        "his",
        "parrot",
        ("flapped his bright green wings", "bobbed his head up and down", "whistled a merry tune"),
        ("squawked", "said"),
        ("parrot", "pirate"),
        ("sand",),
    ),
)

_ADV_PROBLEMS = (
    Problem(
        "kite",
        "the Stuck Kite",
        (
            R("Suddenly, {comp} stopped and pointed up.", tiny="Oh no! Look up!"),
            R(
                "A bright red kite was stuck high up in a tree.",
                "A bright red kite had floated away on the breeze and caught on a branch far above.",
                tiny="A red kite was stuck in a tree.",
            ),
            R(
                '"Oh dear," said {comp}. "It belongs to my little cousin, and I can\'t reach it."',
                '"Oh dear," sighed {comp}. "That kite belongs to my little cousin, and I just can\'t reach it."',
                tiny='"Oh dear," said {comp}.',
            ),
            L("The kite fluttered up there like a little flag, waiting for help."),
        ),
        (
            R("{name} looked carefully at the tree and thought hard.", tiny="{name} had an idea."),
            R(
                "Then {name} found a long, bendy stick on the ground.",
                "Then {name} spotted a long, bendy branch lying in the grass and picked it up.",
                tiny="{name} got a long stick.",
            ),
            R(
                "Very gently, {name} wiggled the kite string with the stick, and down floated the kite.",
                (
                    "Standing on tiptoe, {name} gently wiggled the kite string with the stick while "
                    "{comp} watched, and slowly, softly, the kite floated down.",
                ),
                tiny="Wiggle, wiggle. Down came the kite!",
            ),
            L('"You did it!" {comp_says} {comp}.', tiny='"Hooray!" said {comp}.'),
            O("Soon the kite was dancing in the sky again, its long tail swishing happily."),
        ),
        ("trees",),
    ),
    Problem(
        "bridge",
        "the Wobbly Bridge",
        (
            R(
                "Soon they came to a little wooden bridge over the stream.",
                "Before long, they reached a little wooden bridge that crossed the stream.",
                tiny="They came to a little bridge.",
            ),
            R(
                "One plank was missing, and the whole bridge wobbled.",
                "One of its planks was missing, and the whole bridge wibbled and wobbled.",
                tiny="Wobble, wobble went the bridge.",
            ),
            R(
                '"We need to get across," said {comp}. "How can we fix it?"',
                '"Everyone who lives here needs this bridge," said {comp}. "How can we fix it?"',
                tiny='"Can we fix it?" said {comp}.',
            ),
        ),
        (
            R("{name} found a flat, strong log nearby.", tiny="{name} found a flat log."),
            R(
                "Together they pushed it into the gap, and {comp} tied it tight with a long green vine.",
                "Together they rolled it over and slid it into the gap, then tied it firmly in place with a long green vine.",
                tiny="Push, push! The log fit in the gap.",
            ),
            R(
                "{name} tested it with one careful step, then another.",
                "{name} tested it with one careful step, then another, and the bridge held firm and steady.",
                tiny="Step, step. It held!",
            ),
            L('"Now everyone can cross again," said {comp} proudly.'),
        ),
        ("stream",),
    ),
    Problem(
        "balloon",
        "the Runaway Balloon",
        (
            R(
                "Just then, a yellow balloon floated past on the breeze.",
                "Just then, a round yellow balloon drifted past on the breeze, its string trailing behind.",
                tiny="Look! A yellow balloon!",
            ),
            R(
                '"My balloon!" called a little rabbit, hopping after it.',
                '"Oh, my balloon!" called a little rabbit, hopping after it as fast as it could.',
            ),
            R(
                "The balloon bobbed away towards {detail}.",
                "The balloon bobbed along, higher and higher, towards {detail}.",
                tiny="It floated away.",
            ),
        ),
        (
            R(
                "{name} and {comp} followed the balloon, step by step.",
                "{name} and {comp} hurried after it, keeping their eyes on the bobbing string.",
                tiny="{name} went after it.",
            ),
            R(
                "At last the balloon caught gently on a bush, and {name} took hold of the string.",
                "At last the breeze dropped, the balloon snagged gently on a bush, and {name} reached up and caught the string.",
                tiny="The balloon stopped on a bush. {name} got the string!",
            ),
            R(
                "{name} tied the string in a soft bow around the rabbit's paw, so it would not float away again.",
                "{name} tied the string in a soft bow around the little rabbit's paw, so the balloon could not float away again.",
                tiny="{name} gave it back.",
            ),
            L("The little rabbit's whiskers twitched with joy.", tiny="The rabbit was so happy."),
        ),
        ("outdoor", "grass"),
    ),
    Problem(
        "map",
        "the Secret Map",
        (
            R(
                "Near {detail}, {name} found an old, rolled-up map.",
                "Tucked beside {detail}, {name} found an old map, rolled up and tied with a ribbon.",
                tiny="{name} found a map.",
            ),
            R(
                "It showed a dotted path and a big golden star at the end.",
                "It showed a wiggly dotted path that led to a big golden star.",
                tiny="It had a big gold star.",
            ),
            R('"A treasure map!" {comp_says} {comp}.'),
            O(
                "But the path on the map went round and round in curls and loops, so it would take careful thinking."
            ),
        ),
        (
            R(
                "{name} turned the map the right way up and followed the path, step by step.",
                "{name} turned the map the right way up, found the first mark and followed the path, step by careful step.",
                tiny="{name} walked and walked.",
            ),
            L("The path was marked with little stones in {colour}, just like the drawing."),
            R(
                "At the golden star, they found a little wooden box.",
                "Past {detail2} and around {detail3} they went, until they reached the spot marked with the golden star and found a little wooden box.",
                tiny="They found a little box!",
            ),
            R(
                "Inside were shiny shells, smooth pebbles and a note that said: Treasure is best when it is shared.",
                "Inside were shiny shells, smooth pebbles and a note in curly writing: Treasure is best when it is shared.",
                tiny="It was full of shiny shells.",
            ),
            L(
                "So {name} shared it, one for {comp} and one for {name}, until everything was shared."
            ),
        ),
        (),
    ),
    Problem(
        "shy",
        "the Shy Little Friend",
        (
            R("Behind {detail}, something rustled.", tiny="Rustle, rustle. What was that?"),
            R(
                "It was {shy}, peeking out and then hiding again.",
                "It was {shy}, peeking out with bright eyes and then ducking back out of sight.",
            ),
            R(
                '"Hello," said {name} softly, but the little friend stayed hidden.',
                '"Hello there," said {name} softly, but the little friend only tucked in tighter.',
                tiny='"Hello," said {name} softly.',
            ),
        ),
        (
            R(
                "{name} sat down quietly and waited, as patient as can be.",
                "{name} sat down on the ground, very still and very quiet, and waited patiently.",
                tiny="{name} sat and waited.",
            ),
            R(
                'Then {name} held out an apple slice and said, "You can play with us, if you like."',
                'Then {name} held out an apple slice and said gently, "You can play with us, if you would like to."',
                tiny='"Come and play," said {name}.',
            ),
            R(
                "Slowly, the little friend came out and nibbled the apple.",
                "Little by little, the shy friend came closer, sniffed the apple and began to nibble.",
                tiny="The little friend came out!",
            ),
            L("Soon the three of them were playing together like old friends."),
        ),
        (),
    ),
    Problem(
        "rocket",
        "the Sleepy Rocket",
        (
            R(
                "When it was time to go home, the little rocket would not start.",
                "When it was time to fly home, {name} pressed the big green button, but the little rocket would not start.",
                tiny="Oh no! The rocket would not go.",
            ),
            R(
                "Its lights blinked slowly, as if it were very tired.",
                "Its lights blinked slowly on and off, as if it were very, very tired.",
            ),
            R(
                '"Oh no," said {comp}. "It has run out of sunshine power!"',
                '"Oh no," said {comp}. "The rocket needs sunshine to fill up its batteries!"',
                tiny='"It needs sunshine," said {comp}.',
            ),
        ),
        (
            R("{name} looked up at the bright sun, shining far away.", tiny="{name} saw the sun."),
            R(
                "Together they turned the rocket's shiny panels towards the sunlight.",
                "Together they tilted the rocket's shiny solar panels until they faced the sunlight.",
                tiny="They turned the rocket to the sun.",
            ),
            R(
                "Slowly, the lights glowed brighter and brighter.",
                "Slowly the lights glowed brighter, and brighter, and brighter still.",
            ),
            R("Beep, beep! The rocket was ready to fly.", tiny="Beep, beep! Ready!"),
        ),
        ("space",),
    ),
    Problem(
        "stars",
        "the Sleepy Star",
        (
            R(
                "Beside a crater, {name} found a little star that had drifted down to rest.",
                "Beside a crater, {name} found a little star that had drifted down from the sky and could not float back up.",
                tiny="{name} found a little star.",
            ),
            R("Its light was soft and dim.", "Its light was dim, and it looked very sleepy."),
            R('"I want to go back to my friends in the sky," said the little star.'),
        ),
        (
            R(
                "{name} and {comp} made a wish and counted to three.",
                "{name} had an idea: {name} and {comp} would give the star the biggest, gentlest throw ever.",
                tiny="One, two, three!",
            ),
            R(
                "Up went the little star, back to its place in the sky.",
                "Whoosh! Up went the little star, twirling higher and higher, back to its place among its friends.",
                tiny="Up went the star!",
            ),
            R(
                "It twinkled extra brightly, just to say thank you.",
                "It twinkled extra brightly, as if to say thank you.",
            ),
        ),
        ("space",),
    ),
    Problem(
        "snow",
        "the Slippery Slope",
        (
            R(
                "Halfway up, the path was covered in deep, slippery snow.",
                "Halfway up the mountain, the path disappeared under deep, slippery snow.",
                tiny="The path was slippery.",
            ),
            R(
                "{comp} tried to climb it but slid gently back down with a whoosh.",
                "{comp} tried to climb it, but slid gently back down to the bottom with a soft whoosh.",
                tiny="Whoosh! {comp} slid down.",
            ),
            R('"How will we get to the top?" asked {comp}.'),
        ),
        (
            R("{name} had a clever idea.", tiny="{name} had an idea."),
            R(
                "They stamped little steps into the snow, one after another, like a staircase.",
                "They stamped little flat steps into the snow, one after another, until they had made a snowy staircase.",
                tiny="Stamp, stamp, stamp. They made steps!",
            ),
            R(
                "Step by step, they climbed up together.",
                "Step by step, they climbed up together, laughing all the way.",
            ),
            L("At the top, the whole world sparkled below them."),
        ),
        ("snow",),
    ),
    Problem(
        "chest",
        "the Stuck Treasure Chest",
        (
            R(
                "Half buried in the sand, {name} found a little treasure chest.",
                "Half buried in the soft sand, {name} spotted the corner of a little treasure chest.",
                tiny="{name} found a treasure chest.",
            ),
            R("But the lid was stuck tight.", tiny="But it was stuck."),
            R(
                "{comp} pulled, and {name} pulled, but it would not open.",
                "{comp} pulled, and {name} pulled, but the lid would not budge.",
            ),
        ),
        (
            R(
                "{name} looked closely and saw sand in the hinges.",
                "{name} looked closely and noticed that sand had filled up the little hinges.",
            ),
            R(
                "{name} brushed the sand away, very gently.",
                "Very gently, {name} brushed and wafted the sand away.",
                tiny="Brush, brush, brush.",
            ),
            R("Pop! The lid opened.", "With a pop, the lid swung open."),
            R(
                "Inside were pearly shells that shone in every colour of the rainbow.",
                "Inside lay pearly shells that shimmered in every colour of the rainbow.",
                tiny="It was full of pretty shells!",
            ),
            O(
                "They decided to leave the treasure where it was, so the next explorer could enjoy it too."
            ),
        ),
        ("sea",),
    ),
)

_ADV_SECTIONS: dict[str, tuple[Para, ...]] = {
    "opening": (
        Para(
            (
                R(
                    (
                        "One bright morning, {name} held up a brand-new drawing.",
                        "{name} had just finished a brand-new drawing.",
                        "On a sunny Saturday, {name} coloured in a brand-new drawing.",
                    ),
                    (
                        "One bright morning, {name} put down the crayons and held up a brand-new drawing.",
                        "{name} had just finished a brand-new drawing and could not stop smiling at it.",
                    ),
                    tiny=("{name} made a picture.", "Look! {name} drew a picture."),
                ),
                R(
                    "It was {drawing}.",
                    (
                        "It was {drawing}, bright and bold.",
                        "It was {drawing}, and every colour seemed to hum with excitement.",
                    ),
                    tiny=("It had {colours}.", "It had {subjects}."),
                ),
                R(
                    "{name} loved {interests}.",
                    "{name} loved {interests} more than almost anything.",
                    tiny="{name} loved {interest}.",
                ),
                R(
                    (
                        '"This looks like the start of an adventure!" said {name}.',
                        '"Let\'s go and find a place just like this," said {name}.',
                        "{name} grabbed a hat and a backpack. It was time for an adventure!",
                    ),
                    '"I think this picture is the start of an adventure," said {name}, pulling on a pair of sturdy boots.',
                    tiny='"Let\'s go!" said {name}.',
                ),
                O("Somewhere out there, something exciting was waiting to be found."),
            ),
            when=("drawing",),
        ),
        Para(
            (
                R(
                    "One bright morning, {name} had a wonderful idea: {idea}.",
                    "One bright morning, {name} woke up with a wonderful idea buzzing around: {idea}.",
                    tiny="{name} had an idea: {idea}.",
                ),
                R(
                    "{name} loved {interests}.",
                    "{name} loved {interests} more than almost anything.",
                ),
                R(
                    '"Let\'s go on an adventure and find out more!" said {name}.',
                    '"An idea like that deserves an adventure," said {name}, pulling on a pair of sturdy boots.',
                    tiny='"Let\'s go!" said {name}.',
                ),
                O("Somewhere out there, something exciting was waiting to be found."),
            ),
            when=("idea",),
        ),
        Para(
            (
                R(
                    "One bright morning, {name} put on a pair of boots and a little backpack.",
                    "One bright morning, {name} packed a little backpack with a water bottle, a map and a crunchy apple.",
                    tiny="{name} put on some boots.",
                ),
                R(
                    "{name} loved {interests}.",
                    "{name} loved {interests} more than almost anything.",
                ),
                R(
                    '"Today is a good day for an adventure," said {name}.',
                    '"Today feels like a day for an adventure," said {name}, opening the front door wide.',
                    tiny='"Adventure time!" said {name}.',
                ),
                L("The sun was shining, and the sky was wide and blue."),
            ),
        ),
    ),
    "meet": (
        Para(
            (
                R(
                    "Near {detail}, {name} met {comp_intro}.",
                    "Beside {detail}, {name} spotted {comp_intro}.",
                    tiny="{name} met {comp_intro}.",
                ),
                R("{comp} {comp_act}."),
                R(
                    '"Hello, {name}!" {comp_says} {comp}. "Will you explore with me?"',
                    '"Hello, {name}!" {comp_says} {comp}. "I was hoping someone would come exploring with me today."',
                    tiny='"Hello, {name}!" {comp_says} {comp}.',
                ),
                L(
                    '"Yes, please!" said {name}.',
                    '"I would love that," said {name}, and the two new friends set off side by side.',
                    tiny='"Yes!" said {name}.',
                ),
            ),
        ),
        Para(
            (
                R(
                    (
                        "Who was waiting there? It was {comp_intro}!",
                        "Sitting on a rock was {comp_intro}.",
                    ),
                    "Someone was already waiting there: {comp_intro}.",
                    tiny="Who was there? It was {comp_intro}!",
                ),
                R(
                    (
                        '{comp} {comp_act} and said, "Hello, {name}! Let\'s be explorers together."',
                        '{comp} {comp_act}. "Are you an explorer too?" {comp_says} {comp}.',
                    )
                ),
                L(
                    "{name} smiled a big smile and said yes.",
                    "{name} grinned. An adventure is always better with a friend.",
                ),
            ),
        ),
    ),
    "celebrate": (
        Para(
            (
                R(
                    "{name} and {comp} cheered and danced in a happy circle.",
                    "{name} and {comp} cheered so loudly that the whole of {place} seemed to cheer along with them.",
                    tiny="Hooray! {name} and {comp} danced.",
                ),
                R(
                    (
                        '"Thank you, {name}," said {comp}. "You were so brave and kind."',
                        '"You did it, {name}!" said {comp}. "You are a real explorer."',
                    ),
                    '"Thank you, {name}," said {comp}. "You stayed calm, you thought hard, and you were kind. That is what real explorers do."',
                    tiny='"Thank you, {name}!" said {comp}.',
                ),
                L("{comp} {comp_act2}."),
                O("{name} felt warm and fizzy inside, like a bottle of happy bubbles."),
            ),
        ),
        Para(
            (
                R(
                    "Hooray! Everyone clapped and cheered.",
                    "Hooray! {comp} clapped, and {name} did a little victory dance.",
                    tiny="Hooray! Clap, clap, clap!",
                ),
                R(
                    '"We make a great team," said {comp}.',
                    '"We make a great team," said {comp}, "and you had the cleverest ideas."',
                ),
                L("{comp} {comp_act2}."),
                L("{name} beamed from ear to ear.", tiny="{name} smiled and smiled."),
            ),
        ),
    ),
    "ending": (
        Para(
            (
                R(
                    "When the sun began to sink, {name} waved goodbye to {comp} and went home.",
                    "As the sky turned gold and pink, {name} waved goodbye to {comp} and headed home, tired and happy.",
                    tiny=("Then {name} waved bye-bye.", "It was time to go home."),
                ),
                L("{name} had learned that {moral}.", tiny=()),
                R(
                    "That night, {name} smiled, feeling proud, brave and happy.",
                    "That night, {name} fell asleep with a big, proud smile, already dreaming of the next adventure.",
                    tiny="{name} smiled a big smile. What a happy day!",
                ),
            ),
        ),
        Para(
            (
                R(
                    (
                        "At the end of the day, {name} walked home with a happy heart.",
                        "When it was time to go, {name} gave {comp} a big goodbye hug.",
                    ),
                    "At the end of the day, {name} walked home with a happy heart and a head full of stories to tell.",
                    tiny="Then {name} went home.",
                ),
                L("{name} had learned that {moral}.", tiny=()),
                R(
                    "{name} was proud to be such a brave and kind explorer, and could not wait for the next adventure.",
                    "{name} felt proud, brave and happy, and knew that there would be many more adventures with friends.",
                    tiny="{name} was happy and proud. Well done, {name}!",
                ),
            ),
        ),
    ),
}

_ADV_EPISODES = (
    Para(
        (
            R(
                "They stopped for a picnic near {detail2}.",
                "When their tummies began to rumble, they stopped for a picnic near {detail2}.",
                tiny="Time for a picnic!",
            ),
            R(
                "{name} shared sandwiches and juicy apple slices with {comp}.",
                "{name} opened the backpack and shared sandwiches, crunchy carrots and juicy apple slices with {comp}.",
                tiny="{name} shared the apples.",
            ),
            L('"Sharing makes food taste even better," said {comp}.'),
            O("Afterwards they lay back and watched the clouds drift by, full and happy."),
        ),
        key="picnic",
        needs=("outdoor",),
    ),
    Para(
        (
            R(
                "To cross the stream, they hopped across the stepping stones.",
                tiny="Hop on the stones!",
            ),
            R('"One, two, three, four, five!" counted {name}.'),
            R(
                "The water gurgled and giggled underneath.",
                "Underneath, the water gurgled and giggled as it rushed over the pebbles.",
            ),
            L("On the last stone, {comp} wobbled, and {name} held out a helping hand."),
        ),
        key="stones",
        needs=("stream",),
    ),
    Para(
        (
            R('"Hello!" called {name}, and the mountain called back, "Hello, hello, hello!"'),
            R("It was an echo.", "It was an echo, bouncing off the rocks and coming back again."),
            R("{comp} laughed, and the echo laughed too.", tiny="{comp} laughed."),
            O(
                "They called out their favourite words, one after another, just to hear them come back."
            ),
        ),
        key="echo",
        needs=("snow",),
    ),
    Para(
        (
            R(
                "On the moon, {name} could jump higher than ever before.",
                "On the moon, {name} could jump higher than ever before, floating up and drifting slowly down.",
                tiny="{name} jumped. Boing!",
            ),
            R("Boing! Boing! Each jump was a slow, floaty hop.", tiny="Boing! Boing!"),
            O("That is because the moon pulls on things much more gently than the Earth does."),
            L("{comp} did a slow-motion somersault, and {name} laughed and laughed."),
        ),
        key="bounce",
        needs=("space",),
    ),
    Para(
        (
            R(
                "A school of tiny fish swam by, twisting and turning together.",
                tiny="Lots of little fish swam by.",
            ),
            R(
                "They made a shape like a shimmering ribbon.",
                "Together they made a shape like a giant, shimmering ribbon that rippled through the water.",
            ),
            R(
                "{name} waved, and the fish swirled around in a silvery circle.",
                tiny="Swish, swish, swirl!",
            ),
        ),
        key="fish",
        needs=("sea",),
    ),
    Para(
        (
            R("{name} spotted a trail of little footprints.", tiny="{name} saw little footprints."),
            R("They followed the footprints, one by one.", tiny="Follow, follow, follow."),
            R(
                "At the end was a family of ducks, waddling down to the water.",
                "At the end of the trail was a mother duck and her ducklings, waddling down to the water in a neat little line.",
                tiny="Quack, quack! It was a duck family!",
            ),
            L("{name} counted the ducklings: one, two, three, four!"),
        ),
        key="ducks",
        needs=("stream",),
    ),
    Para(
        (
            R(
                "They climbed to the top of a little hill.",
                "They climbed a little hill, puffing and laughing, until they reached the top.",
                tiny="Up the hill they went.",
            ),
            R(
                "From up there, {name} could see {detail} and {detail2}.",
                "From up there, {name} could see {detail}, {detail2} and far, far beyond.",
                tiny="{name} could see far away.",
            ),
            L("Everything looked tiny, like toys.", tiny="Everything looked tiny."),
        ),
        key="hill",
        needs=("outdoor",),
    ),
    Para(
        (
            R(
                "A soft shower of rain pattered down, and then the sun came out again.",
                "A soft summer shower pattered on the leaves, and then, just as quickly, the sun came out again.",
                tiny="Pitter, patter, rain. Then sun!",
            ),
            R("A rainbow stretched right across the sky.", tiny="A rainbow!"),
            R(
                "{name} counted its colours: red, orange, yellow, green, blue, indigo and violet.",
                tiny="Red, orange, yellow, green and blue!",
            ),
            O("Rainbows appear when sunlight shines through raindrops, and this one was a beauty."),
        ),
        key="rainbow",
        needs=("outdoor",),
    ),
    Para(
        (
            R("{comp} pulled out a shiny little compass.", tiny="{comp} had a little compass."),
            R(
                "Its needle always pointed north, so they knew which way to go.",
                "Its needle always pointed north, so they would always know which way was which.",
                tiny="It showed the way.",
            ),
            L('"Explorers always check their compass," said {comp}.'),
        ),
        key="compass",
    ),
    Para(
        (
            R(
                "On the way home, they passed {detail3} once more.",
                "On the way home, they passed {detail3} once more, and it looked even more beautiful in the late afternoon light.",
                tiny="They walked back home.",
            ),
            R(
                "{name} and {comp} talked about everything they had seen.",
                "{name} and {comp} talked and talked about everything they had seen and done.",
            ),
            L('"Today was the best day," said {comp}.', tiny='"Best day ever!" said {comp}.'),
        ),
        key="homeward",
        slot="late",
    ),
)

ADVENTURE = TypeBank(
    titles=(
        "{name} and {place_title}",
        "{name} and {problem_title}",
        "{name}'s Big Adventure",
        "{name}'s Adventure in {place_title}",
    ),
    shape=(
        ("opening",),
        ("setting.desc",),
        ("meet",),
        "mid",
        ("problem.setup",),
        ("problem.solve",),
        "late",
        ("celebrate",),
        ("ending",),
    ),
    sections=_ADV_SECTIONS,
    settings=_ADV_SETTINGS,
    companions=_ADV_COMPANIONS,
    problems=_ADV_PROBLEMS,
    episodes=_ADV_EPISODES,
    morals=(
        "being brave and kind makes every adventure better",
        "a good friend makes every path more fun",
        "big problems get smaller when you think calmly and work together",
        "the best treasures are the ones you share",
    ),
    theme_morals=(
        ("courage", "being brave means trying, even when something feels tricky"),
        ("friendship", "a good friend makes every path more fun"),
        ("teamwork", "working together makes big jobs small"),
        ("problem-solving", "there is always a way when you stop and think"),
        ("discovery", "the world is full of wonderful things waiting to be found"),
    ),
    mood="lively",
)


# --- bedtime -------------------------------------------------------------------------------------

_BED_SETTINGS = (
    Setting(
        "meadow",
        "the moonlit meadow",
        "the Moonlit Meadow",
        (
            R(
                "In the dream, {name} floated softly down to {place}.",
                "In the dream, {name} drifted down, light as a feather, to {place}.",
                tiny="{name} dreamed of {place}.",
            ),
            R(
                "The grass was silver in the moonlight, and everything was quiet and still.",
                "The grass shone silver in the moonlight, and everything was hushed, quiet and still.",
                tiny="The grass was silver. Everything was quiet.",
            ),
            L("Somewhere nearby, {detail} whispered a lullaby.", tiny="Hush, hush went the grass."),
            O("The air smelled of sweet clover and cool, fresh night."),
            X("Even the flowers had folded their petals, as if tucking themselves into bed."),
        ),
        (
            "a sleepy stream",
            "a soft bed of clover",
            "a patch of nodding bluebells",
            "a tall, quiet oak tree",
        ),
        ("outdoor", "night", "grass", "stream", "trees"),
        ("meadow", "field"),
        ("grass", "flower", "moon", "star", "night"),
        "a shy little hedgehog",
        bare="moonlit meadow",
    ),
    Setting(
        "treehouse",
        "the cosy treehouse",
        "the Cosy Treehouse",
        (
            R(
                "In the dream, {name} climbed a gentle rope ladder up to {place}.",
                "In the dream, {name} climbed a gentle rope ladder, one slow rung at a time, up to {place}.",
                tiny="{name} went up to {place}.",
            ),
            R(
                "Inside there were soft cushions, a warm blanket and a round window full of stars.",
                "Inside there were plump cushions, a woolly blanket and a round window full of twinkling stars.",
                tiny="It had soft cushions. It had a warm blanket.",
            ),
            L(
                "The leaves outside rustled softly, swish, swish.",
                tiny="Swish, swish went the leaves.",
            ),
            O("A little lantern glowed with a warm, honey-coloured light."),
        ),
        (
            "a little lantern",
            "a basket of soft blankets",
            "a round window",
            "a shelf of picture books",
        ),
        ("trees", "night", "home"),
        ("treehouse", "tree house", "tree"),
        ("tree", "leaf", "star"),
        "a shy little squirrel",
        bare="cosy treehouse",
    ),
    Setting(
        "harbour",
        "the quiet harbour",
        "the Quiet Harbour",
        (
            R(
                "In the dream, {name} walked along to {place} as the sun went down.",
                "In the dream, {name} wandered down to {place}, just as the sun slipped below the sea.",
                tiny="{name} went to the sea.",
            ),
            R(
                "Little boats rocked gently on the water.",
                "Little boats rocked gently on the water, their ropes creaking softly.",
                tiny="The boats went rock, rock, rock.",
            ),
            L("The waves whispered, shh, shh, shh.", tiny="Shh, shh, went the waves."),
            O("Along the harbour wall there was {detail} and {detail2}."),
        ),
        (
            "a red and white lighthouse",
            "a row of bobbing boats",
            "a stack of fishing nets",
            "a smooth stone wall",
        ),
        ("sea", "water", "night"),
        ("harbour", "harbor", "sea", "boat", "dusk"),
        ("sea", "water", "boat", "blue"),
        "a shy little seal pup",
        bare="quiet harbour",
    ),
    Setting(
        "cloud",
        "a soft, drifting cloud",
        "the Drifting Cloud",
        (
            R(
                "In the dream, {name} climbed onto {place}.",
                "In the dream, {name} stepped onto {place}, as soft and bouncy as a pillow.",
                tiny="{name} sat on a soft cloud.",
            ),
            R(
                "The cloud floated slowly across the sky.",
                "Slowly, slowly, the cloud floated across the evening sky.",
                tiny="The cloud floated slowly.",
            ),
            L("Below, the world was getting ready for bed.", tiny="The world was sleepy."),
            O("Here and there, the first stars peeked out to say hello."),
        ),
        (
            "a puff of pink cloud",
            "the first evening star",
            "a silver moonbeam",
            "a quiet flock of birds going home",
        ),
        ("sky", "night"),
        ("cloud", "sky"),
        ("cloud", "sky", "star", "moon"),
        "a shy little star",
        problems=("star", "lullaby", "blanket"),
        bare="drifting cloud",
    ),
    Setting(
        "village",
        "the sleepy village",
        "the Sleepy Village",
        (
            R(
                "In the dream, {name} tiptoed into {place}.",
                "In the dream, {name} tiptoed along the cobbled lanes of {place}.",
                tiny="{name} went to {place}.",
            ),
            R(
                "One by one, the windows glowed with warm yellow light.",
                "One by one, the little windows glowed with warm yellow light as everyone got ready for bed.",
                tiny="The windows glowed.",
            ),
            L("A cat curled up on a doorstep and purred.", tiny="A cat purred on a step."),
            O("There was {detail} and {detail2}, all quiet now."),
        ),
        (
            "a little bakery",
            "a sleepy clock tower",
            "a garden of tall sunflowers",
            "a quiet square with a fountain",
        ),
        ("night", "home", "outdoor"),
        ("village", "town"),
        ("house", "home", "window"),
        "a shy little mouse",
        bare="sleepy village",
    ),
)

_BED_COMPANIONS = (
    Companion(
        "bear",
        "a sleepy bear cub called Bramble",
        "Bramble",
        "his",
        "bear",
        ("gave a big, slow yawn", "rubbed his sleepy eyes", "snuggled into his fluffy fur"),
        ("mumbled", "said"),
        ("bear",),
    ),
    Companion(
        "moon",
        "the kind old Moon",
        "the Moon",
        "her",
        "moon",
        ("smiled a soft, silvery smile", "glowed a little brighter", "hummed a quiet tune"),
        ("whispered", "said"),
        ("moon",),
        ("night", "sky"),
    ),
    Companion(
        "owl",
        "a soft-spoken owl called Luna",
        "Luna",
        "her",
        "owl",
        ("ruffled her soft feathers", "blinked her big, sleepy eyes", "hooted a gentle hoo, hoo"),
        ("whispered", "hooted softly"),
        ("owl",),
        ("trees", "outdoor"),
    ),
    Companion(
        "lamb",
        "a little lamb called Daisy",
        "Daisy",
        "her",
        "lamb",
        ("gave a tiny, sleepy baa", "nuzzled close", "curled up in a woolly ball"),
        ("said",),
        ("lamb", "sheep"),
        ("grass", "outdoor"),
    ),
    Companion(
        "seal",
        "a sleepy seal called Murphy",
        "Murphy",
        "his",
        "seal",
        (
            "flapped his flippers slowly",
            "rolled over with a happy sigh",
            "blinked his dark, gentle eyes",
        ),
        ("said",),
        ("seal",),
        ("sea",),
    ),
)

_BED_PROBLEMS = (
    Problem(
        "star",
        "the Littlest Star",
        (
            R(
                "Then {name} noticed a tiny star resting low, just above the ground.",
                "Then {name} noticed a tiny star resting low, glowing faintly, far below all the others.",
                tiny="Look. A tiny star.",
            ),
            R(
                '"I am too sleepy to float back up to the sky," said the little star with a yawn.',
                tiny='"I am sleepy," said the star.',
            ),
        ),
        (
            R(
                "{name} cupped the little star gently and held it up high.",
                "{name} cupped the little star gently in both hands and lifted it up, up, as high as could be.",
                tiny="{name} held the star up high.",
            ),
            R(
                "A soft breeze came and carried it slowly home.",
                "A soft, warm breeze came along and carried it slowly, slowly back to its place in the sky.",
                tiny="Up, up it went.",
            ),
            R(
                "The little star twinkled, as if to say thank you and goodnight.",
                tiny="Twinkle, twinkle. Thank you!",
            ),
        ),
        ("sky", "outdoor", "night"),
    ),
    Problem(
        "lullaby",
        "the Lullaby",
        (
            R(
                '"I can\'t fall asleep," said {comp} with a little sigh.',
                '"I am so tired, but I can\'t fall asleep," said {comp} with a little sigh.',
                tiny='"I can\'t sleep," said {comp}.',
            ),
            R("{comp} wriggled and turned, this way and that.", tiny="Wriggle, wriggle."),
        ),
        (
            R(
                "So {name} sang a soft, slow lullaby.",
                "So {name} sang a soft, slow lullaby, the kind that sounds like waves and wind.",
                tiny="{name} sang a soft song.",
            ),
            R(
                '"Hush now, rest now, the stars are shining bright..."',
                tiny='"Hush now, rest now..."',
            ),
            R(
                "{comp_s} eyes grew heavy, and soon {comp} gave a happy, sleepy sigh.",
                tiny="{comp} closed both eyes.",
            ),
            L("{name} tucked a blanket around {comp}, snug and warm."),
        ),
        (),
    ),
    Problem(
        "lanterns",
        "the Little Lanterns",
        (
            R(
                "The lanterns along the lane had gone out.",
                "The little lanterns along the lane had gone out, and the path home was hard to see.",
                tiny="The lanterns were off.",
            ),
            R('"How will everyone find their way to bed?" asked {comp}.'),
        ),
        (
            R(
                "{name} and {comp} lit them again, one by one.",
                "{name} and {comp} walked slowly along the lane and lit them again, one by one.",
                tiny="{name} turned them on.",
            ),
            R('"One, two, three, four, five," counted {name} softly.'),
            R(
                "Soon the lane glowed with a warm, golden light.",
                "Soon the whole lane glowed with a warm, golden light, gentle and friendly.",
                tiny="The lane glowed.",
            ),
        ),
        ("home",),
    ),
    Problem(
        "boat",
        "the Drifting Boat",
        (
            R(
                "One little boat had come untied and was drifting slowly away.",
                "One little boat had come untied from its post and was drifting slowly out across the water.",
                tiny="A little boat floated away.",
            ),
            R('"Oh dear," said {comp}. "That is my boat."'),
        ),
        (
            R(
                "{name} picked up the end of its rope, which was trailing by the wall.",
                "{name} spotted the end of the boat's rope trailing in the water beside the wall, and reached for it carefully.",
                tiny="{name} got the rope.",
            ),
            R(
                "Gently, gently, {name} pulled the boat back.",
                "Gently, gently, hand over hand, {name} pulled the little boat back to the harbour wall.",
                tiny="Pull, pull, pull.",
            ),
            R(
                "{comp} tied it tight with a double knot, safe for the night.",
                tiny="Now the boat was safe.",
            ),
        ),
        ("sea",),
    ),
    Problem(
        "blanket",
        "the Moon's Blanket",
        (
            R(
                "The Moon shivered a little, because her blanket of clouds had drifted away.",
                "The Moon gave a little shiver, because her soft blanket of clouds had drifted away on the breeze.",
                tiny="The Moon was cold.",
            ),
            R('"Could you help me?" she whispered.'),
        ),
        (
            R(
                "{name} and {comp} gathered soft, fluffy clouds, one armful at a time.",
                tiny="{name} got soft clouds.",
            ),
            R(
                "They tucked them gently around the Moon.",
                "They tucked them gently around the Moon, just like a blanket at bedtime.",
            ),
            R("The Moon glowed, warm and snug.", tiny="Now the Moon was warm."),
        ),
        ("sky",),
    ),
)

_BED_SECTIONS: dict[str, tuple[Para, ...]] = {
    "opening": (
        Para(
            (
                R(
                    (
                        "The day was nearly over, and the sky outside was turning soft and pink.",
                        "It was the quiet time at the end of the day, when the lamps glow and the toys rest.",
                    ),
                    "The day was slowly coming to an end, and outside the window the sky was turning soft shades of pink and gold.",
                    tiny="The day was done.",
                ),
                R(
                    "{name} looked at the drawing one more time: {drawing}.",
                    "Before bed, {name} looked once more at the drawing: {drawing}.",
                    tiny=(
                        "{name} looked at the picture. It had {colours}.",
                        "{name} looked at the picture.",
                    ),
                ),
                R(
                    "{name} yawned and thought about {interests}.",
                    "{name} yawned a big yawn and thought sleepy thoughts about {interests}.",
                    tiny="{name} yawned.",
                ),
                R(
                    (
                        "Then {name} snuggled under a warm, soft blanket.",
                        "Then {name} wriggled down under the covers, snug as a bug.",
                    ),
                    "Then {name} snuggled down under a warm, soft blanket, with a favourite teddy close by.",
                    tiny="{name} got into bed.",
                ),
            ),
            when=("drawing",),
        ),
        Para(
            (
                R(
                    (
                        "The day was nearly over, and the sky outside was turning soft and pink.",
                        "It was the quiet time at the end of the day, when the lamps glow and the toys rest.",
                    ),
                    "The day was slowly coming to an end, and outside the window the sky was turning soft shades of pink and gold.",
                    tiny="The day was done.",
                ),
                R(
                    "{name} was still thinking about a lovely idea: {idea}.",
                    "{name} was still thinking about a lovely idea from earlier: {idea}.",
                ),
                R("{name} yawned and thought about {interests}.", tiny="{name} yawned."),
                R(
                    (
                        "Then {name} snuggled under a warm, soft blanket.",
                        "Then {name} wriggled down under the covers, snug as a bug.",
                    ),
                    "Then {name} snuggled down under a warm, soft blanket, with a favourite teddy close by.",
                    tiny="{name} got into bed.",
                ),
            ),
            when=("idea",),
        ),
        Para(
            (
                R(
                    (
                        "The day was nearly over, and the sky outside was turning soft and pink.",
                        "It was the quiet time at the end of the day, when the lamps glow and the toys rest.",
                    ),
                    "The day was slowly coming to an end, and outside the window the sky was turning soft shades of pink and gold.",
                    tiny="The day was done.",
                ),
                R(
                    "{name} had a warm bath, put on cosy pyjamas and brushed every tooth.",
                    tiny="Bath, pyjamas, teeth.",
                ),
                R("{name} yawned and thought about {interests}.", tiny="{name} yawned."),
                R(
                    (
                        "Then {name} snuggled under a warm, soft blanket.",
                        "Then {name} wriggled down under the covers, snug as a bug.",
                    ),
                    "Then {name} snuggled down under a warm, soft blanket, with a favourite teddy close by.",
                    tiny="{name} got into bed.",
                ),
            ),
        ),
    ),
    "drift": (
        Para(
            (
                R(
                    "Slowly, {name_s} eyes closed, and a gentle dream began.",
                    "Slowly, slowly, {name_s} eyes closed, and a gentle dream began to unfold.",
                    tiny="{name} closed both eyes.",
                ),
            ),
        ),
    ),
    "meet": (
        Para(
            (
                R(
                    "There, {name} met {comp_intro}.",
                    "Waiting there, quiet as a whisper, was {comp_intro}.",
                    tiny="{name} met {comp_intro}.",
                ),
                R("{comp} {comp_act}."),
                R(
                    '"Hello, {name}," {comp_says} {comp}. "I am so glad you are here."',
                    '"Good evening, {name}," {comp_says} {comp}. "I was hoping you would come and keep me company."',
                    tiny='"Hello, {name}," said {comp}.',
                ),
                L('"Hello," whispered {name}, and smiled.'),
            ),
        ),
    ),
    "goodnight": (
        Para(
            (
                R(
                    "Then it was time to say goodnight to everything.",
                    "Then, softly, {name} began to say goodnight to everything.",
                    tiny="Time to say goodnight.",
                ),
                R("Goodnight, {place_bare}.", tiny="Goodnight, {place_bare}."),
                L("Goodnight, {subject_bare}."),
                L("Goodnight, {colour} and {colour2}.", tiny="Goodnight, {colour}."),
                R("Goodnight, {comp}.", "Goodnight, dear {comp}. Sleep well."),
                L("Goodnight, stars, and goodnight, moon."),
            ),
        ),
    ),
    "ending": (
        Para(
            (
                R(
                    "Back in bed, {name} felt warm, safe and loved.",
                    "Back in bed, tucked in tight, {name} felt warm, safe and very loved.",
                    tiny="{name} was warm. {name} was safe.",
                ),
                L("{name} knew that {moral}.", tiny=()),
                R(
                    "{name_s} eyes grew heavy, and soon {name} was fast asleep, dreaming happy dreams.",
                    "With a last, slow yawn, {name} drifted off to sleep, smiling, with sweet dreams waiting.",
                    tiny="Sleep tight, {name}. Sweet dreams.",
                ),
                L("Goodnight, {name}.", tiny=()),
            ),
        ),
    ),
}

_BED_EPISODES = (
    Para(
        (
            R(
                "{name} and {comp} lay down and looked up at the stars.",
                "{name} and {comp} lay down side by side and gazed up at the stars.",
                tiny="They looked at the stars.",
            ),
            R('"Let\'s count them," whispered {comp}.', tiny='"Let\'s count," said {comp}.'),
            R('"One star, two stars, three stars, four..." counted {name}, slower and slower.'),
            L("There were far too many to count, and that was just fine."),
        ),
        key="stars",
        needs=("outdoor", "sky", "night"),
    ),
    Para(
        (
            R("They listened to the quiet sounds of the night.", tiny="Listen. What can you hear?"),
            R("Hoo, hoo, went a faraway owl.", tiny="Hoo, hoo."),
            R("Swish, swish, went the gentle breeze.", tiny="Swish, swish."),
            L("And the whole world seemed to breathe slowly, in and out."),
        ),
        key="sounds",
    ),
    Para(
        (
            R(
                '"Let\'s breathe like sleepy bears," said {comp}.',
                '"Shall we breathe like sleepy bears?" whispered {comp}.',
            ),
            R(
                "{name} breathed in slowly, like smelling a flower.",
                "{name} breathed in slowly through the nose, as if smelling a flower.",
            ),
            R(
                "Then {name} breathed out slowly, like blowing a feather.",
                "Then {name} breathed out, long and slow, as if blowing a feather across the room.",
            ),
            L("In, and out. In, and out.", tiny="In, and out."),
        ),
        key="breathe",
    ),
    Para(
        (
            R(
                "{comp} hummed a soft little song.",
                "{comp} began to hum a soft little song, low and slow.",
                tiny="{comp} hummed a song.",
            ),
            R(
                '"Rock-a-bye, softly, the moon is in the sky," it went.',
                tiny='"La, la, la," went the song.',
            ),
            R(
                "{name} hummed along, quieter and quieter.",
                "{name} hummed along, each note a little quieter than the last.",
            ),
        ),
        key="song",
    ),
    Para(
        (
            R(
                "{name} thought about all the lovely things from the day.",
                "{name} thought about all the lovely things that had happened during the day.",
                tiny="{name} thought about the day.",
            ),
            L("The games, the giggles and the hugs.", tiny="The games. The hugs."),
            R('"Thank you, day," whispered {name}.', tiny='"Thank you, day," said {name}.'),
            O("Saying thank you made everything feel warm and cosy inside."),
        ),
        key="thanks",
    ),
    Para(
        (
            R(
                "A soft moonbeam made a silver path.",
                "A soft moonbeam spread across the ground like a silver path.",
                tiny="The moon made a silver path.",
            ),
            R(
                "{name} and {comp} walked along it, slowly, slowly.",
                "{name} and {comp} walked along it, slowly, slowly, one quiet step at a time.",
                tiny="Step, step, slowly.",
            ),
            L("Their footsteps made no sound at all."),
        ),
        key="moonbeam",
        slot="late",
    ),
    Para(
        (
            R(
                "{comp} brought two cups of warm milk.",
                "{comp} brought two little cups of warm milk with a swirl of honey.",
                tiny="Warm milk. Yum.",
            ),
            R(
                "{name} sipped it slowly.",
                "{name} sipped it slowly, feeling warm from the tummy to the toes.",
            ),
            L('"Mmm," said {name}, with a cosy sigh.'),
        ),
        key="milk",
    ),
    Para(
        (
            R(
                "The night was so calm that even the breeze tiptoed.",
                "The night was so calm and still that even the breeze seemed to tiptoe past.",
                tiny="Everything was calm.",
            ),
            R("{name} wiggled ten sleepy toes.", tiny="Wiggle, wiggle, toes."),
            R(
                "Then {name} let them rest, heavy and warm.",
                "Then {name} let them rest, heavy and warm, like little sleepy mice.",
                tiny="Now rest, toes.",
            ),
        ),
        key="toes",
        slot="late",
    ),
    Para(
        (
            R(
                '"Let\'s count sheep," whispered {comp}.',
                '"When I can\'t sleep, I count sheep," whispered {comp}. "Shall we try?"',
            ),
            R(
                "One fluffy sheep jumped over the fence, then two, then three.",
                "One fluffy sheep hopped slowly over a little fence, then two, then three, each one sleepier than the last.",
                tiny="One sheep. Two sheep. Three sheep.",
            ),
            R(
                "The fourth sheep yawned and lay down in the grass.",
                "The fourth sheep gave an enormous yawn and simply lay down in the soft grass for a nap.",
                tiny="Four sheep. Yawn!",
            ),
            L("{name} smiled a sleepy smile."),
        ),
        key="sheep",
    ),
    Para(
        (
            R(
                "All around, the animals were going to bed.",
                "All around, the animals were getting ready for bed, each in its own way.",
                tiny="The animals went to bed.",
            ),
            R(
                "The birds tucked their heads under their wings.",
                "The birds fluffed up their feathers and tucked their heads down in their nests.",
                tiny="The birds went to sleep.",
            ),
            R(
                "The rabbits curled up in their cosy burrows.",
                "The rabbits curled up together in their cosy burrows under the ground.",
                tiny="The rabbits went to sleep.",
            ),
            L(
                "And the little mice snuggled into their nests of soft grass.",
                tiny="Shh. Goodnight, animals.",
            ),
        ),
        key="animals-bed",
    ),
    Para(
        (
            R(
                "{name} stretched like a sleepy cat, up, up, up.",
                "{name} stretched like a sleepy cat, reaching up, up, up, and then all the way down.",
                tiny="Stretch up high.",
            ),
            R(
                "Then {name} curled up small, like a little seed.",
                "Then {name} curled up small and snug, like a little seed waiting for spring.",
                tiny="Curl up small.",
            ),
            R("It felt cosy and warm.", "Everything felt soft, cosy and warm."),
        ),
        key="stretch",
    ),
    Para(
        (
            R(
                "A little breeze sang a whispery song.",
                "A little breeze came by and sang a whispery song through the leaves.",
                tiny="The breeze sang.",
            ),
            R('"Shhh, shhh, time to rest," it seemed to say.', tiny='"Shh, shh," it said.'),
            R(
                "{name} listened and felt calm all over.",
                "{name} listened, and a calm feeling spread from the top of {name_s} head to the tips of {name_s} toes.",
                tiny="{name} felt calm.",
            ),
        ),
        key="breeze-song",
    ),
    Para(
        (
            R(
                "{comp} gave {name} a soft, fluffy pillow.",
                "{comp} brought out a soft, fluffy pillow, as light as a cloud.",
                tiny="A soft pillow.",
            ),
            R(
                "It smelled of lavender and sunshine.",
                "It smelled of lavender and clean sunshine, the way the best pillows do.",
            ),
            R("{name} rested a sleepy head on it.", tiny="{name} lay down."),
        ),
        key="pillow",
    ),
    Para(
        (
            R(
                "A little night light glowed like a tiny moon.",
                "In the corner, a little night light glowed softly, like a tiny moon of its own.",
                tiny="A little light glowed.",
            ),
            R(
                "Its gentle light made the room feel safe and snug.",
                "Its gentle, golden light made everything feel safe, snug and just right.",
                tiny="It felt safe.",
            ),
        ),
        key="night-light",
        slot="late",
    ),
    Para(
        (
            R(
                "The stars began to hum a quiet tune.",
                "High above, the stars seemed to hum a quiet tune, soft as a whisper.",
                tiny="The stars hummed.",
            ),
            R(
                "Twinkle, twinkle, went one, and twinkle, twinkle, went another.",
                tiny="Twinkle, twinkle.",
            ),
            L("{name} hummed along, very, very softly."),
        ),
        key="star-hum",
        needs=("night", "sky", "outdoor"),
    ),
    Para(
        (
            R(
                "{comp} and {name} said what they liked best about the day.",
                "{comp} and {name} took turns telling each other the very best part of the day.",
                tiny="What was the best part?",
            ),
            R(
                '"Playing outside," said {name}. "Meeting you," said {comp}.',
                '"Playing outside and laughing," said {name}. "Meeting you," said {comp}, softly.',
            ),
            L("It was a lovely thing to remember.", tiny=()),
        ),
        key="best-part",
        slot="late",
    ),
    Para(
        (
            R(
                "Far away, a little train puffed slowly home for the night.",
                "Far away, a little train puffed slowly home for the night, its windows glowing.",
                tiny="Chuff, chuff, went a sleepy train.",
            ),
            R(
                "Chuff, chuff, chuff, it went, slower and slower.",
                "Chuff... chuff... chuff, it went, slower and slower, until it stopped to rest.",
            ),
        ),
        key="sleepy-train",
    ),
)

_BED_SECTIONS["opening"] += (
    Para(
        (
            R(
                "Outside, the sun was going down, and the birds were flying home to their nests.",
                "Outside, the sun was sinking behind the rooftops, and the last birds were flying home to their nests.",
                tiny="The sun went down.",
            ),
            R(
                "On the wall hung {name_s} newest drawing: {drawing}.",
                "On the wall, in the soft lamplight, hung {name_s} newest drawing: {drawing}.",
                tiny="{name_s} picture was on the wall.",
            ),
            R("{name} smiled at it and thought about {interests}.", tiny=()),
            R(
                "After a story and a cuddle, {name} lay down, cosy and calm.",
                "After a bedtime story and a long, warm cuddle, {name} lay down, cosy and calm.",
                tiny="Cuddle time. Then bed.",
            ),
        ),
        when=("drawing",),
    ),
    Para(
        (
            R(
                "Outside, the sun was going down, and the birds were flying home to their nests.",
                "Outside, the sun was sinking behind the rooftops, and the last birds were flying home to their nests.",
                tiny="The sun went down.",
            ),
            R(
                "{name} had played all day and was ready for a rest.",
                "{name} had played and run and laughed all day, and now it was time for a rest.",
                tiny="{name} was sleepy.",
            ),
            R("{name} thought about {interests} and smiled.", tiny=()),
            R(
                "After a story and a cuddle, {name} lay down, cosy and calm.",
                "After a bedtime story and a long, warm cuddle, {name} lay down, cosy and calm.",
                tiny="Cuddle time. Then bed.",
            ),
        ),
    ),
)
_BED_SECTIONS["drift"] += (
    Para(
        (
            R(
                "{name} took a slow, deep breath, and soon a lovely dream began.",
                "{name} took one slow, deep breath, then another, and soon a lovely dream came drifting in.",
                tiny="Breathe in. Breathe out. A dream began.",
            ),
        ),
    ),
)
_BED_SECTIONS["meet"] += (
    Para(
        (
            R(
                "Someone was waiting there: {comp_intro}.",
                "Someone was waiting there, sitting very still: {comp_intro}.",
                tiny="Who was there? {comp_intro}.",
            ),
            R("{comp} {comp_act}."),
            R(
                '"Shh," {comp_says} {comp}. "Everything is getting ready for sleep. Will you help me say goodnight?"',
                tiny='"Shh," said {comp}. "Time for sleep."',
            ),
            L('{name} nodded and whispered, "Yes."'),
        ),
    ),
)
_BED_SECTIONS["goodnight"] += (
    Para(
        (
            R(
                "One by one, {name} whispered goodnight.",
                "Softly, one by one, {name} whispered goodnight to all the lovely things.",
                tiny="Goodnight, goodnight.",
            ),
            L("Goodnight, {subject_bare}, and goodnight, {colour}."),
            R("Goodnight, {place_bare}, so quiet and still.", tiny="Goodnight, {place_bare}."),
            R(
                "Goodnight, {comp}, my friend.",
                "Goodnight, {comp}, my kind and gentle friend.",
                tiny="Goodnight, {comp}.",
            ),
            L("Goodnight, moon, and goodnight, all the sleepy stars."),
        ),
    ),
)
_BED_SECTIONS["ending"] += (
    Para(
        (
            R(
                "Then the dream floated gently back home.",
                "Then, as gently as it had begun, the dream floated back home.",
                tiny="Then {name} was home.",
            ),
            R(
                "{name} was snug in bed, safe and warm and loved.",
                "{name} was snug in bed again, safe and warm and very much loved.",
                tiny="{name} was warm and safe.",
            ),
            L("{name} knew that {moral}.", tiny=()),
            R(
                "With a happy sigh, {name} fell fast asleep. Sweet dreams, {name}.",
                "With one last happy sigh, {name} fell fast asleep, smiling. Sweet dreams, {name}.",
                tiny="Sweet dreams, {name}. Sleep tight.",
            ),
        ),
    ),
    Para(
        (
            R(
                "{name} yawned the biggest, slowest yawn of the night.",
                "{name} yawned the biggest, slowest, sleepiest yawn of the whole night.",
                tiny="Yawn! A big, big yawn.",
            ),
            R(
                "The blanket was warm, the pillow was soft, and everything was quiet and safe.",
                tiny="The blanket was warm. The pillow was soft.",
            ),
            L("{name} knew that {moral}.", tiny=()),
            R(
                "And soon {name} was sleeping peacefully, dreaming the happiest dreams.",
                "And soon {name} was sleeping peacefully, dreaming the happiest dreams of all. Goodnight, {name}.",
                tiny="Goodnight, {name}. Happy dreams.",
            ),
        ),
    ),
)

BEDTIME = TypeBank(
    titles=(
        "{name} and {place_title}",
        "{name}'s Sleepy Dream",
        "Goodnight, {name}",
        "{name} and {problem_title}",
    ),
    shape=(
        ("opening",),
        ("drift", "setting.desc"),
        ("meet",),
        "mid",
        ("problem.setup",),
        ("problem.solve",),
        "late",
        ("goodnight",),
        ("ending",),
    ),
    sections=_BED_SECTIONS,
    settings=_BED_SETTINGS,
    companions=_BED_COMPANIONS,
    problems=_BED_PROBLEMS,
    episodes=_BED_EPISODES,
    morals=(
        "tomorrow will bring new adventures",
        "being kind is a lovely way to end a day",
        "home is the coziest place of all",
        "the people who love you are always close",
    ),
    theme_morals=(
        ("gratitude", "there is always something to be thankful for"),
        ("safe", "the people who love you are always close"),
        ("calm", "a quiet moment can be the nicest part of the day"),
    ),
    mood="calm",
)


# --- educational ---------------------------------------------------------------------------------

_EDU_SETTINGS = (
    Setting(
        "garden",
        "the school garden",
        "the School Garden",
        (
            R(
                "{name} went out to {place}.",
                "After breakfast, {name} skipped out to {place}.",
                tiny="{name} went to the garden.",
            ),
            R(
                "There were neat rows of vegetables, tall sunflowers and a little pond.",
                "There were neat rows of vegetables, sunflowers taller than a grown-up and a little pond with lily pads.",
                tiny="There were big sunflowers. There was a little pond.",
            ),
            L("{name} could see {detail} and {detail2}."),
        ),
        (
            "a wheelbarrow full of soil",
            "a row of bean plants",
            "a watering can",
            "a bench in the sunshine",
        ),
        ("outdoor", "grass", "plants"),
        ("garden", "school"),
        ("flower", "grass", "tree", "sun"),
        "a shy little frog",
        topics=("plants", "colours", "shapes", "counting"),
        bare="school garden",
    ),
    Setting(
        "farm",
        "the busy farm",
        "the Busy Farm",
        (
            R(
                "{name} visited {place}.",
                "{name} spent the morning at {place}, where something was always happening.",
                tiny="{name} went to the farm.",
            ),
            R(
                "Cows mooed, hens clucked and the piglets rolled in the mud.",
                "Cows mooed in the field, hens clucked around the yard and three pink piglets rolled happily in the mud.",
                tiny="Moo, went the cows. Cluck, went the hens.",
            ),
            L("There was {detail} and {detail2}."),
        ),
        (
            "a big red barn",
            "a field of golden wheat",
            "a pond full of ducks",
            "a tractor with muddy wheels",
        ),
        ("outdoor", "grass", "animals", "plants"),
        ("farm",),
        ("grass", "sun", "tree"),
        "a shy little lamb",
        topics=("counting", "animals", "plants"),
        bare="busy farm",
    ),
    Setting(
        "museum",
        "the science museum",
        "the Science Museum",
        (
            R(
                "{name} walked up the big steps of {place}.",
                "{name} walked up the wide stone steps of {place}, eyes already shining.",
                tiny="{name} went to the museum.",
            ),
            R(
                "Inside there were models of planets, giant bones and buttons to press.",
                "Inside there were models of the planets hanging from the ceiling, giant fossil bones and hundreds of buttons to press.",
                tiny="It had big bones. It had planets!",
            ),
            L("Near the door there was {detail}."),
        ),
        (
            "a model of the solar system",
            "a tall dinosaur skeleton",
            "a wall of shining crystals",
            "a room full of mirrors",
        ),
        ("indoor",),
        ("museum", "science"),
        ("star", "moon", "night"),
        "a shy little robot",
        topics=("space", "dinosaurs", "shapes", "colours", "weather"),
        bare="science museum",
    ),
    Setting(
        "street",
        "the rainy street",
        "the Rainy Street",
        (
            R(
                "{name} pulled on yellow boots and stepped out into {place}.",
                "{name} pulled on bright yellow boots and a raincoat, and stepped out into {place}.",
                tiny="{name} put on boots.",
            ),
            R(
                "Pitter, patter went the rain on every umbrella.",
                "Pitter, patter went the rain on umbrellas and rooftops, and the puddles shone like mirrors.",
                tiny="Pitter, patter, rain!",
            ),
            L("{name} jumped in a puddle. Splash!", tiny="Splash! A puddle!"),
        ),
        (
            "a big shiny puddle",
            "a row of colourful umbrellas",
            "a drainpipe going gurgle",
            "a shop window full of lights",
        ),
        ("outdoor", "rain"),
        ("rain", "street", "town"),
        ("cloud", "rain", "water"),
        "a shy little snail",
        topics=("weather", "colours", "counting", "shapes"),
        bare="rainy street",
    ),
    Setting(
        "library",
        "the library full of maps",
        "the Library of Maps",
        (
            R(
                "{name} tiptoed into {place}.",
                "{name} pushed open the heavy door of {place}.",
                tiny="{name} went to the library.",
            ),
            R(
                "There were shelves of books, big globes and maps of faraway places.",
                "There were shelves of books up to the ceiling, spinning globes and maps of every faraway place imaginable.",
                tiny="It had lots of books. It had big maps.",
            ),
            L("In the corner there was {detail}."),
        ),
        ("a spinning globe", "a cosy reading nook", "a giant atlas", "a window seat with cushions"),
        ("indoor",),
        ("library", "map", "book"),
        (),
        "a shy little bookworm",
        topics=("animals", "space", "weather", "dinosaurs", "shapes"),
        bare="library",
    ),
)

_EDU_COMPANIONS = (
    Companion(
        "scientist",
        "a curious scientist called Professor Pepper",
        "Professor Pepper",
        "her",
        "scientist",
        (
            "pushed her round glasses up her nose",
            "clapped her hands with excitement",
            "scribbled a note in her notebook",
        ),
        ("said", "explained"),
        ("scientist", "professor"),
    ),
    Companion(
        "bee",
        "a patient teacher bee called Miss Buzz",
        "Miss Buzz",
        "her",
        "bee",
        ("buzzed in a friendly circle", "waved a tiny striped leg", "hovered beside a flower"),
        ("buzzed", "said"),
        ("bee", "teacher"),
        ("outdoor", "plants"),
    ),
    Companion(
        "caterpillar",
        "a counting caterpillar called Inchy",
        "Inchy",
        "his",
        "caterpillar",
        ("wiggled all his little legs", "curled up and uncurled again", "nodded his green head"),
        ("said",),
        ("caterpillar",),
        ("outdoor", "plants", "grass"),
    ),
    Companion(
        "vane",
        "a talking weather vane called Whirly",
        "Whirly",
        "his",
        "weather vane",
        (
            "spun around in the breeze",
            "pointed his arrow this way and that",
            "creaked a cheerful creak",
        ),
        ("said",),
        ("weather vane", "vane"),
        ("outdoor",),
    ),
    Companion(
        "teacher",
        "a kind teacher called Mr Owen",
        "Mr Owen",
        "his",
        "teacher",
        ("smiled a warm smile", "rolled up his sleeves", "tapped his chin thoughtfully"),
        ("said", "explained"),
        ("teacher",),
    ),
)


_TOPICS = (
    Topic(
        "colours",
        "colours",
        ("colour", "color", "paint", "rainbow", "art", "draw", "mix"),
        "How do you make a brand-new colour?",
        "mixing blue and yellow paint makes green",
        (
            R(
                "{comp} held up three pots of paint: red, yellow and blue.",
                tiny="Red, yellow, blue.",
            ),
            R(
                '"These are called primary colours," {comp_says} {comp}.',
                '"These are the primary colours," {comp_says} {comp}. "You can mix them to make lots of other colours."',
                tiny='"Let\'s mix them," said {comp}.',
            ),
            R(
                "{name} mixed a little blue and a little yellow, and it turned green!",
                "{name} swirled a blob of blue into a blob of yellow, and the paint turned a bright, leafy green.",
                tiny="Blue and yellow. Swirl, swirl. Green!",
            ),
            L(
                "Then red and yellow made orange, and red and blue made purple.",
                tiny="Red and yellow made orange!",
            ),
            O("Mixing two primary colours makes a new one called a secondary colour."),
        ),
        Problem(
            "paint",
            "the Missing Green",
            (
                R(
                    "Later, {comp} wanted to paint a big leafy tree.",
                    "Later, {comp} wanted to paint a big leafy tree for the classroom wall.",
                    tiny="{comp} wanted to paint a tree.",
                ),
                R(
                    'But the green paint pot was empty! "Oh dear," said {comp}.',
                    'But when {comp} opened the green pot, it was completely empty. "Oh dear," said {comp}.',
                    tiny='But there was no green! "Oh dear," said {comp}.',
                ),
            ),
            (
                R(
                    '"I know!" said {name}. "Blue and yellow make green!"',
                    tiny='"Blue and yellow!" said {name}.',
                ),
                R(
                    "{name} mixed them together, swirl, swirl, swirl.",
                    "{name} poured a little blue and a little yellow into a dish and mixed them, swirl, swirl, swirl.",
                    tiny="Swirl, swirl, swirl.",
                ),
                R(
                    "Soon there was enough green for the whole tree.",
                    "Soon there was enough green for every single leaf on the tree.",
                    tiny="Green! Hooray!",
                ),
                L("{comp} painted the tree, and {name} added {a_colour} sun at the top."),
            ),
        ),
        (
            Para(
                (
                    R(
                        "{name} looked around for colours.",
                        "{name} went on a colour hunt all around {place}.",
                        tiny="Find the colours!",
                    ),
                    R(
                        "The sky was blue, the grass was green, and the sun was yellow.",
                        tiny="The sky is blue. The grass is green.",
                    ),
                    L("{name} even found {colour}, just like in the drawing."),
                    R('"Colours are everywhere!" said {name}.'),
                ),
                key="colour-hunt",
            ),
        ),
        ("paint",),
    ),
    Topic(
        "counting",
        "counting",
        ("count", "number", "maths", "math", "add", "sum"),
        "How can I find out how many there are?",
        "when you count, the last number you say tells you how many there are",
        (
            R(
                '"Counting tells us how many," {comp_says} {comp}.',
                '"Counting tells us how many things there are," {comp_says} {comp}.',
                tiny='"Let\'s count," said {comp}.',
            ),
            R(
                "You touch each thing once and say one number for it.",
                "You point to each thing once and say one number for each, and the last number you say is how many there are.",
                tiny="Touch each one. Say a number.",
            ),
            R(
                '{name} counted the apples on the table: "One, two, three, four, five!"',
                tiny='"One, two, three!" counted {name}.',
            ),
            R(
                '"Five apples!" said {name}.',
                "The last number was five, so there were five apples.",
                tiny='"Three!" said {name}.',
            ),
            O("Counting on fingers works well too, because most people have ten of them."),
        ),
        Problem(
            "eggs",
            "the Egg Basket",
            (
                R(
                    "Later, {comp} was baking a cake and needed six eggs.",
                    "Later, {comp} was baking a cake for a party and needed exactly six eggs.",
                    tiny="{comp} needed six eggs.",
                ),
                R('"How many are in the basket?" asked {comp}.', tiny='"How many?" asked {comp}.'),
            ),
            (
                R(
                    '{name} counted carefully: "One, two, three, four."',
                    '{name} touched each egg once and counted carefully: "One, two, three, four."',
                    tiny='"One, two, three, four," counted {name}.',
                ),
                R(
                    '"Four eggs. We need two more!" said {name}.',
                    '"There are four," said {name}, "so we need two more to make six."',
                ),
                R(
                    "They found two more eggs, and now there were six.",
                    "They found two more eggs in the pantry, and when {name} counted again, there were exactly six.",
                    tiny="Two more. Six eggs!",
                ),
                L("The cake was delicious, and everyone had a slice."),
            ),
        ),
        (
            Para(
                (
                    R("{name} and {comp} counted things all around.", tiny="Let's count!"),
                    R(
                        '"One cloud, two trees, three flowers!" said {name}.',
                        tiny="One, two, three!",
                    ),
                    L('"Four birds and five leaves!" added {comp}.'),
                    O("Every time they counted, the last number told them how many there were."),
                ),
                key="count-around",
            ),
        ),
        (),
    ),
    Topic(
        "animals",
        "animal homes",
        ("animal", "home", "nest", "habitat", "pet", "zoo", "bird", "rabbit"),
        "Where do animals live?",
        "every animal has a home that suits it",
        (
            R(
                '"Every animal has a home that suits it," {comp_says} {comp}.',
                tiny='"Animals have homes," said {comp}.',
            ),
            R(
                "Birds build nests from twigs, grass and moss.",
                "Birds build nests out of twigs, grass, moss and even feathers.",
                tiny="Birds live in nests.",
            ),
            R(
                "Rabbits dig burrows under the ground.",
                "Rabbits dig burrows under the ground, with tunnels that keep them cosy.",
                tiny="Rabbits live under the ground.",
            ),
            L("Bees live together in a hive.", tiny="Bees live in a hive."),
            O("Fish live in water, and they breathe through gills instead of lungs."),
        ),
        Problem(
            "nest",
            "the Nest Builders",
            (
                R(
                    "Outside, a little bird was hopping about, looking for something.",
                    "Outside, a little bird was hopping about with a worried look, searching the ground.",
                    tiny="A little bird hopped by.",
                ),
                R(
                    '"It is building a nest," said {comp}, "but it needs soft things to make it cosy."',
                    tiny='"It needs soft things," said {comp}.',
                ),
            ),
            (
                R(
                    "{name} remembered that birds use twigs, grass and moss.",
                    "{name} remembered what {comp} had said about twigs, grass and moss.",
                    tiny="{name} found soft moss.",
                ),
                R(
                    "{name} gathered a little pile and left it by the bush.",
                    "{name} gathered a little pile of soft moss and dry grass and left it under the bush, then stepped back to watch.",
                ),
                R(
                    "The bird picked up a beakful and flew to its nest.",
                    "The bird hopped over, picked up a beakful and flew off to finish its nest.",
                    tiny="The bird took it. Tweet!",
                ),
            ),
        ),
        (
            Para(
                (
                    R("They went on an animal home hunt.", tiny="Where do animals live?"),
                    R(
                        "They found a snail, which carries its home, a shell, wherever it goes.",
                        tiny="A snail lives in its shell.",
                    ),
                    L("They found a hole at the bottom of a tree, just right for a squirrel."),
                ),
                key="homes",
            ),
        ),
        ("bird", "rabbit", "bee", "fish"),
    ),
    Topic(
        "plants",
        "how plants grow",
        ("plant", "seed", "grow", "flower", "garden", "tree", "leaf"),
        "How does a tiny seed grow into a plant?",
        "plants need water, light and air to grow",
        (
            R(
                '"A plant needs water, light and air to grow," {comp_says} {comp}.',
                tiny='"Plants need water and sun," said {comp}.',
            ),
            R(
                "First a little root pushes down into the soil, and then a green shoot reaches up.",
                "When a seed starts to grow, a little root pushes down into the soil, and then a green shoot reaches up towards the light.",
                tiny="A root goes down. A shoot goes up.",
            ),
            R(
                "The roots drink water from the soil.",
                "The roots drink water from the soil, and the green leaves use sunlight to make food for the plant.",
            ),
            L('"Wow!" said {name}.'),
        ),
        Problem(
            "droopy",
            "the Droopy Sunflower",
            (
                R(
                    "Later, {name} found a little sunflower in a pot, hidden in a dark corner.",
                    "Later, {name} found a little sunflower in a pot, tucked away in a dark, dry corner.",
                    tiny="{name} found a droopy flower.",
                ),
                R(
                    "Its leaves were droopy, and its face was looking down.",
                    "Its leaves drooped, its soil was dry and its face hung down sadly.",
                ),
            ),
            (
                R(
                    '"It needs light and water," said {name}.',
                    '"I know what it needs," said {name}. "Light and water!"',
                    tiny='"Water and sun!" said {name}.',
                ),
                R(
                    "{name} carried it to a sunny window and gave it a drink.",
                    "{name} carried the pot to a sunny windowsill and gave it a good drink from the watering can.",
                    tiny="{name} gave it water.",
                ),
                R(
                    "The next day, the sunflower stood up tall and bright.",
                    "By the next morning, the sunflower had lifted its leaves and turned its bright face towards the sun.",
                    tiny="Now it stood up tall!",
                ),
            ),
        ),
        (
            Para(
                (
                    R("{comp} gave {name} a seed to plant.", tiny="{name} planted a seed."),
                    R(
                        "{name} pressed it into the soil and gave it a little drink of water.",
                        tiny="Pat, pat. Drip, drop.",
                    ),
                    R(
                        '"Now it needs time and sunshine," said {comp}.',
                        '"Now it needs time and sunshine," said {comp}. "Every day it will grow a tiny bit."',
                    ),
                ),
                key="planting",
            ),
        ),
        (),
    ),
    Topic(
        "weather",
        "rainbows and rain",
        ("weather", "rain", "rainbow", "cloud", "sun", "season", "wind"),
        "Where do rainbows come from?",
        "a rainbow appears when sunlight shines through raindrops",
        (
            R(
                '"Clouds are made of tiny drops of water," {comp_says} {comp}.',
                tiny='"Clouds are made of water," said {comp}.',
            ),
            R(
                "When the drops join up and get heavy, they fall as rain.",
                tiny="Drops get big. Then they fall as rain.",
            ),
            R(
                "And when sunlight shines through the raindrops, it splits into all the colours of a rainbow.",
                "And when sunlight shines through falling raindrops, the light splits into all the colours of a rainbow.",
                tiny="Sun and rain make a rainbow!",
            ),
            O("To see a rainbow, you need the sun behind you and the rain in front of you."),
        ),
        Problem(
            "rainbow",
            "the Rainbow Hunt",
            (
                R(
                    "When the rain stopped and the sun came out, {name} looked everywhere for a rainbow.",
                    tiny="{name} looked for a rainbow.",
                ),
                R('"I can\'t see one," said {name}.', tiny="No rainbow!"),
            ),
            (
                R(
                    "Then {name} remembered: the sun should be behind you.",
                    "Then {name} remembered what {comp} had said: the sun must be behind you, and the rain in front.",
                    tiny="{name} turned around.",
                ),
                R(
                    "{name} turned around, with the sun on the back, and looked at the last falling drops.",
                    "{name} turned around, with the warm sun behind, and looked towards the last falling drops.",
                    tiny="Look! There it was!",
                ),
                R(
                    "There it was, a bright rainbow, red, orange, yellow, green, blue, indigo and violet.",
                    tiny="Red, orange, yellow, green and blue!",
                ),
            ),
        ),
        (
            Para(
                (
                    R("They watched the clouds drift by.", tiny="Look at the clouds."),
                    R(
                        "Fluffy white clouds meant nice weather, and big grey ones meant rain was coming.",
                        tiny="White clouds. Grey clouds. Grey clouds bring rain.",
                    ),
                    L('"I am a weather watcher!" said {name}.'),
                ),
                key="clouds",
            ),
        ),
        (),
    ),
    Topic(
        "shapes",
        "shapes",
        ("shape", "circle", "square", "triangle", "geometry"),
        "What shapes are hiding all around us?",
        "a triangle has three sides and a square has four",
        (
            R(
                '"Shapes are everywhere," {comp_says} {comp}.',
                tiny='"Let\'s find shapes," said {comp}.',
            ),
            R(
                "A circle is round and has no corners at all.",
                "A circle is perfectly round and has no corners at all.",
                tiny="A circle is round.",
            ),
            R("A triangle has three sides and three corners.", tiny="A triangle has three sides."),
            R(
                "A square has four sides that are all the same length.",
                "A square has four straight sides, all exactly the same length, and four corners.",
                tiny="A square has four sides.",
            ),
        ),
        Problem(
            "house",
            "the Shape House",
            (
                R(
                    "Later, {comp} wanted to build a little house from card, but could not decide how.",
                    tiny="{comp} wanted to make a house.",
                ),
                R('"What shapes should I use?" asked {comp}.', tiny='"What shapes?" asked {comp}.'),
            ),
            (
                R(
                    '"A square for the walls and a triangle for the roof!" said {name}.',
                    tiny='"A square and a triangle!" said {name}.',
                ),
                R(
                    "They added a circle for a round window and little squares for the door.",
                    "Then they added a circle for a round window and a tall rectangle for the door.",
                    tiny="And a circle window!",
                ),
                R(
                    "It was the best shape house ever.",
                    "When it was finished, the little house looked just right, made entirely of shapes.",
                ),
            ),
        ),
        (
            Para(
                (
                    R("{name} went on a shape hunt.", tiny="Shape hunt!"),
                    R(
                        "The clock was a circle, the window was a square, and a slice of sandwich was a triangle.",
                        tiny="A clock is a circle. A window is a square.",
                    ),
                    R('"Shapes really are everywhere!" said {name}.'),
                ),
                key="shape-hunt",
            ),
        ),
        (),
    ),
    Topic(
        "space",
        "the moon and the sun",
        ("space", "moon", "sun", "star", "planet", "rocket", "astronaut"),
        "Why does the moon shine at night?",
        "the moon shines because sunlight bounces off it",
        (
            R(
                '"The moon does not make its own light," {comp_says} {comp}.',
                tiny='"The moon has no light of its own," said {comp}.',
            ),
            R(
                "It shines because light from the sun bounces off it.",
                "It shines because light from the sun bounces off its surface, a bit like a mirror.",
                tiny="The sun makes it shine.",
            ),
            R(
                "The sun is a star, the closest star to the Earth.",
                "And the sun itself is a star, the closest star to the Earth, so it looks much bigger than all the others.",
                tiny="The sun is a star!",
            ),
        ),
        Problem(
            "lamp",
            "the Moon Lamp",
            (
                R(
                    '"But how can sunlight make the moon shine?" asked {name}.',
                    tiny='"How?" asked {name}.',
                ),
                R(
                    '"Let\'s find out," said {comp}, leading the way indoors and closing the curtains.',
                    tiny="{comp} closed the curtains.",
                ),
            ),
            (
                R(
                    "{comp} switched on a lamp to be the sun.",
                    "{comp} switched on a bright lamp to be the sun, and gave {name} a white ball to be the moon.",
                    tiny="A lamp was the sun.",
                ),
                R(
                    "{name} held up a white ball, and the side facing the lamp glowed bright.",
                    "When {name} held up the ball, the side facing the lamp glowed, just like the moon at night.",
                    tiny="The ball glowed!",
                ),
                R('"It\'s just like the real moon!" said {name}.'),
            ),
        ),
        (),
        (),
    ),
    Topic(
        "dinosaurs",
        "dinosaurs",
        ("dinosaur", "dino", "fossil"),
        "What do we know about dinosaurs?",
        "dinosaurs lived long, long ago, and we learn about them from fossils",
        (
            R(
                '"Dinosaurs lived a very long time ago, long before there were any people," {comp_says} {comp}.',
                tiny='"Dinosaurs lived long, long ago," said {comp}.',
            ),
            R(
                "We know about them because of fossils, which are bones and footprints that turned to stone.",
                tiny="We find their bones in stone.",
            ),
            L(
                "Some dinosaurs munched plants all day long.",
                "Some dinosaurs ate only plants, and some had necks long enough to reach the tops of trees.",
            ),
            O("And birds are related to dinosaurs, so in a way, dinosaurs are still here."),
        ),
        Problem(
            "fossil",
            "the Fossil Puzzle",
            (
                R(
                    "Later, {comp} showed {name} a box of model dinosaur bones that had been muddled up.",
                    "Later, {comp} brought out a box of model dinosaur bones that had been muddled up.",
                    tiny="The dinosaur bones were mixed up.",
                ),
                R('"Can you help me put them back together?" asked {comp}.'),
            ),
            (
                R(
                    "{name} looked carefully at each bone, the big ones and the little ones.",
                    tiny="{name} looked at each bone.",
                ),
                R(
                    "The long neck bones went at the front, and the tail bones went at the back.",
                    tiny="Neck at the front. Tail at the back.",
                ),
                R(
                    "Click, click, click, and there stood a whole dinosaur.",
                    "Piece by piece, click by click, a whole dinosaur skeleton stood there, smiling its big toothy smile.",
                    tiny="Click! A whole dinosaur!",
                ),
            ),
        ),
        (),
        (),
    ),
)

_EDU_SECTIONS: dict[str, tuple[Para, ...]] = {
    "opening": (
        Para(
            (
                R(
                    ("{name} loved asking questions.", "{name} always had a question ready."),
                    "{name} was a wonderfully curious child who loved asking questions.",
                    tiny="{name} liked asking questions.",
                ),
                R(
                    "Looking at {drawing}, {name} wondered: {question}",
                    "Looking at the new drawing, {drawing}, {name} wondered: {question}",
                    tiny=(
                        "{name} looked at the picture. It had {colours}. {question}",
                        "{name} looked at the picture. {question}",
                    ),
                ),
                R("{name} also loved {interests}.", tiny=()),
                L('"Let\'s find out!" said {name}.'),
            ),
            when=("drawing",),
        ),
        Para(
            (
                R(
                    ("{name} loved asking questions.", "{name} always had a question ready."),
                    "{name} was a wonderfully curious child who loved asking questions.",
                    tiny="{name} liked asking questions.",
                ),
                R("{name} had been thinking about an idea: {idea}.", tiny=()),
                R("Today, {name} wondered: {question}", tiny="{question}"),
                R("{name} also loved {interests}.", tiny=()),
                L('"Let\'s find out!" said {name}.'),
            ),
            when=("idea",),
        ),
        Para(
            (
                R(
                    ("{name} loved asking questions.", "{name} always had a question ready."),
                    "{name} was a wonderfully curious child who loved asking questions.",
                    tiny="{name} liked asking questions.",
                ),
                R("Today, {name} wondered: {question}", tiny="{question}"),
                R("{name} also loved {interests}.", tiny=()),
                L('"Let\'s find out!" said {name}.'),
            ),
        ),
    ),
    "meet": (
        Para(
            (
                R(
                    "There, {name} met {comp_intro}.",
                    "There, {name} met {comp_intro}, who knew all sorts of interesting things.",
                    tiny="{name} met {comp_intro}.",
                ),
                R("{comp} {comp_act}."),
                R(
                    '"Hello, {name}! What would you like to learn today?" asked {comp}.',
                    tiny='"Hello, {name}!" said {comp}.',
                ),
                R(
                    '"{question}" asked {name}.',
                    'So {name} asked the big question: "{question}"',
                    tiny=(),
                ),
                L('"What a great question," said {comp}.'),
            ),
        ),
    ),
    "share": (
        Para(
            (
                R(
                    (
                        "That evening, {name} told everyone at home what {name} had learned.",
                        "At dinner, {name} could not wait to share the news.",
                    ),
                    "That evening at dinner, {name} explained everything to the family.",
                    tiny="At home, {name} told everyone.",
                ),
                R('"Did you know that {fact}?" said {name}.', tiny='"Did you know?" said {name}.'),
                R(
                    ("Everyone was amazed.", '"How clever!" said everyone.'),
                    "Everyone listened carefully, and they were amazed.",
                    tiny="Wow!",
                ),
            ),
        ),
    ),
    "ending": (
        Para(
            (
                R(
                    "{name} felt proud to be so curious.",
                    "{name} felt proud, because asking questions had led to something wonderful.",
                    tiny="{name} felt proud.",
                ),
                L("{name} knew that {moral}.", tiny=()),
                R(
                    "And {name} was already smiling about what to learn next.",
                    "And as {name} smiled, a brand-new question was already beginning to form, ready for the next happy day of learning.",
                    tiny="{name} smiled a big smile. Clever {name}!",
                ),
            ),
        ),
    ),
}

_EDU_EPISODES = (
    Para(
        (
            R("{name} drew a picture of what they had found out.", tiny="{name} drew a picture."),
            R(
                "{name} wrote a label underneath, in big letters.",
                "Underneath, {name} added labels and arrows, just like a real scientist.",
                tiny=(),
            ),
            L('"A scientist\'s notebook!" said {comp}, smiling.'),
        ),
        key="notebook",
        slot="late",
    ),
    Para(
        (
            R("{comp} asked {name} a quiz question.", tiny="{comp} asked a question."),
            R(
                "{name} thought carefully and gave the right answer.",
                tiny="{name} knew the answer!",
            ),
            R('"Well done!" said {comp}. "You really listened."', tiny='"Well done!" said {comp}.'),
        ),
        key="quiz",
        slot="late",
    ),
    Para(
        (
            R(
                "{name} had another question, and then another.",
                "{name} had another question, and then another, and {comp} answered every one.",
                tiny="{name} asked more questions.",
            ),
            R(
                '"Questions are how we learn," said {comp}.',
                '"Questions are how all scientists learn," said {comp}. "Never stop asking them."',
            ),
        ),
        key="questions",
    ),
    Para(
        (
            R(
                "{comp} showed {name} a big book full of pictures.",
                "{comp} opened a big book full of pictures and diagrams.",
                tiny="{comp} had a big book.",
            ),
            R(
                "They looked at every page together, pointing at the things they knew.",
                "They turned the pages together, pointing at all the things they already knew and wondering about the rest.",
                tiny="They looked at the pictures.",
            ),
            L('"Books are full of answers," said {comp}.'),
        ),
        key="book",
    ),
    Para(
        (
            R(
                '"A good scientist looks very closely," said {comp}, handing {name} a magnifying glass.',
                tiny="{name} had a magnifying glass.",
            ),
            R(
                "Through it, everything looked big.",
                "Through it, everything looked enormous: the lines on a leaf, the grains of sand, even {name_s} own fingerprints.",
                tiny="Everything looked big!",
            ),
            R('"Wow!" said {name}.'),
        ),
        key="magnifier",
    ),
    Para(
        (
            R(
                "{name} explained the idea to a teddy bear, just to practise.",
                "{name} explained everything to a teddy bear, just for practice, and the teddy listened very well.",
                tiny="{name} told teddy.",
            ),
            R(
                '"When you can explain something, you really understand it," said {comp}.',
                tiny='"Good job!" said {comp}.',
            ),
        ),
        key="teach-teddy",
        slot="late",
    ),
    Para(
        (
            R(
                "{name} wrote the question on a big piece of paper.",
                "{name} wrote the big question on a piece of paper and stuck it on the wall.",
                tiny="{name} drew a question mark.",
            ),
            R(
                "Under it, {name} drew {subject}.",
                "Underneath, {name} drew {subject} and coloured it in with {colour}.",
            ),
            L('"Now we know what we are looking for," said {comp}.'),
        ),
        key="question-poster",
    ),
)

_EDU_SECTIONS["opening"] += (
    Para(
        (
            R(
                "{name} was a wonderful wonderer.",
                "{name} was a wonderful wonderer, always full of whys and hows.",
                tiny="{name} liked to wonder.",
            ),
            R(
                "That morning, {name} drew {drawing}, and a question popped up: {question}",
                "That morning, while drawing {drawing}, a question popped into {name_s} head: {question}",
                tiny=(
                    "{name} drew {colours}. Then a question popped up. {question}",
                    "{name} had a question. {question}",
                ),
            ),
            R("{name} also loved {interests}.", tiny=()),
            L('"Today I will find out," said {name}.'),
        ),
        when=("drawing",),
    ),
    Para(
        (
            R(
                "{name} was a wonderful wonderer.",
                "{name} was a wonderful wonderer, always full of whys and hows.",
                tiny="{name} liked to wonder.",
            ),
            R(
                "At breakfast, a question popped up: {question}",
                "At breakfast, between two spoonfuls of porridge, a question popped into {name_s} head: {question}",
                tiny="{name} had a question. {question}",
            ),
            R("{name} also loved {interests}.", tiny=()),
            L('"Today I will find out," said {name}.'),
        ),
    ),
)
_EDU_SECTIONS["meet"] += (
    Para(
        (
            R(
                "A friendly voice said hello. It was {comp_intro}.",
                "A friendly voice called out a cheery hello. It belonged to {comp_intro}.",
                tiny="{name} met {comp_intro}.",
            ),
            R("{comp} {comp_act}."),
            R(
                '"I love questions," said {comp}. "What are you wondering about?"',
                '"I love questions more than anything," said {comp}. "What are you wondering about today?"',
                tiny='"Hello, {name}!" said {comp}.',
            ),
            R('"{question}" asked {name}.', tiny=()),
        ),
    ),
)
_EDU_SECTIONS["share"] += (
    Para(
        (
            R(
                "At bedtime, {name} shared the new fact with a favourite teddy.",
                "At bedtime, {name} explained the new fact to the family, and then once more to a favourite teddy.",
                tiny="{name} told teddy.",
            ),
            R('"Guess what? {fact_cap}!"', tiny='"Guess what?" said {name}.'),
            R(
                "Even teddy looked impressed.",
                "Everyone agreed it was a very good fact, and even teddy looked impressed.",
                tiny="Teddy looked happy.",
            ),
        ),
    ),
)
_EDU_SECTIONS["ending"] += (
    Para(
        (
            R(
                "Learning something new felt wonderful.",
                "Learning something new had made the whole day feel bright and exciting.",
                tiny="Learning is fun!",
            ),
            L("{name} knew that {moral}.", tiny=()),
            R(
                "{name} smiled, proud and happy, already dreaming up the next big question.",
                "{name} smiled, proud and happy, and could hardly wait to find the next big question.",
                tiny="{name} smiled, proud and happy.",
            ),
        ),
    ),
)

EDUCATIONAL = TypeBank(
    titles=(
        "{name} and {problem_title}",
        "{name} Learns About {topic_title}",
        "{name}'s Big Question",
    ),
    shape=(
        ("opening",),
        ("setting.desc",),
        ("meet",),
        ("topic.facts",),
        "mid",
        ("problem.setup",),
        ("problem.solve",),
        "late",
        ("share",),
        ("ending",),
    ),
    sections=_EDU_SECTIONS,
    settings=_EDU_SETTINGS,
    companions=_EDU_COMPANIONS,
    problems=(),
    episodes=_EDU_EPISODES,
    morals=(
        "every question is a door to something new",
        "learning is one of the most fun things there is",
        "curious minds find wonderful things",
    ),
    theme_morals=(),
    mood="lively",
    topics=_TOPICS,
)


# --- fantasy -------------------------------------------------------------------------------------

_FAN_SETTINGS = (
    Setting(
        "castle",
        "the castle in the clouds",
        "the Castle in the Clouds",
        (
            R(
                "On the other side was {place}.",
                "On the other side, floating on a sea of pink and white, was {place}.",
                tiny="There was a castle in the clouds!",
            ),
            R(
                "Its towers were made of soft, sparkly cloud, and flags waved from every roof.",
                "Its towers were made of soft, sparkling cloud, and little flags fluttered from every rooftop.",
                tiny="It was soft and sparkly.",
            ),
            L("There was {detail} and {detail2}.", tiny="{name} saw {detail}."),
            X("Rainbow light spilled from the windows and painted everything it touched."),
        ),
        (
            "a staircase made of moonbeams",
            "a garden of cloud flowers",
            "a tower with a silver bell",
            "a fountain of fizzy stardust",
        ),
        ("sky", "magic"),
        ("castle", "cloud"),
        ("cloud", "sky", "blue"),
        "a shy little cloud sprite",
        bare="castle in the clouds",
    ),
    Setting(
        "garden",
        "the enchanted garden",
        "the Enchanted Garden",
        (
            R(
                "On the other side was {place}.",
                "On the other side lay {place}, where every flower hummed a different note.",
                tiny="There was a magic garden!",
            ),
            R(
                "The flowers could sing, and the trees waved their branches hello.",
                "The flowers sang softly, the trees waved their branches in greeting, and the path sparkled underfoot.",
                tiny="The flowers sang. The trees waved.",
            ),
            L("{name} spotted {detail} and {detail2}.", tiny="{name} saw {detail}."),
            X("The air shimmered, as if the whole garden were gently breathing."),
        ),
        (
            "a pond of glittering water",
            "a tree with silver apples",
            "a gate covered in roses",
            "a ring of glowing toadstools",
        ),
        ("outdoor", "magic", "plants", "grass"),
        ("garden", "flower"),
        ("flower", "grass", "tree", "green"),
        "a shy little flower fairy",
        bare="enchanted garden",
    ),
    Setting(
        "bridge",
        "the rainbow bridge",
        "the Rainbow Bridge",
        (
            R(
                "On the other side was {place}.",
                "On the other side, a bridge made entirely of rainbow stretched far across the sky: {place}.",
                tiny="There was a rainbow bridge!",
            ),
            R(
                "Each step was a different colour, and each one went ping like a bell.",
                "Each step was a different colour, and each one rang like a tiny bell when {name} stepped on it.",
                tiny="Ping, ping, ping went the steps.",
            ),
            L("Far below, there was {detail}.", tiny="{name} saw {detail}."),
        ),
        (
            "a land of rolling green hills",
            "a sparkling blue lake",
            "a village of tiny houses",
            "a flock of paper birds",
        ),
        ("sky", "magic", "outdoor"),
        ("rainbow", "bridge"),
        ("rainbow", "sky", "cloud"),
        "a shy little rainbow sprite",
        bare="rainbow bridge",
    ),
    Setting(
        "village",
        "the village of tiny fairies",
        "the Fairy Village",
        (
            R(
                "On the other side was {place}.",
                "On the other side, nestled among the mushrooms and ferns, was {place}.",
                tiny="There was a tiny fairy village!",
            ),
            R(
                "The houses were no bigger than teacups, and their windows glowed like fireflies.",
                "The houses were no bigger than teacups, with acorn roofs and windows that glowed like little lanterns.",
                tiny="The houses were teeny tiny.",
            ),
            L("There was {detail} and {detail2}.", tiny="{name} saw {detail}."),
        ),
        (
            "a bakery the size of a thimble",
            "a bridge made of a single leaf",
            "a square with a dewdrop fountain",
            "a school in a snail shell",
        ),
        ("outdoor", "magic", "grass", "plants"),
        ("fairy", "fairies", "village"),
        ("flower", "grass", "tree"),
        "a shy little fairy",
        bare="fairy village",
    ),
    Setting(
        "library",
        "the library where books fly",
        "the Library of Flying Books",
        (
            R(
                "On the other side was {place}.",
                "On the other side was {place}, where stories fluttered through the air like birds.",
                tiny="There was a library with flying books!",
            ),
            R(
                "Books flapped their pages and flew from shelf to shelf.",
                "Books flapped their pages like wings and swooped from shelf to shelf, whispering their stories.",
                tiny="Flap, flap went the books.",
            ),
            L("There was {detail} and {detail2}.", tiny="{name} saw {detail}."),
        ),
        (
            "a ladder that went up to the ceiling",
            "a cosy armchair",
            "a shelf of glowing picture books",
            "a window full of stars",
        ),
        ("indoor", "magic"),
        ("library", "book"),
        ("star", "night"),
        "a shy little bookmark",
        problems=("pages", "wand", "hiccups"),
        bare="library of flying books",
    ),
)

_FAN_COMPANIONS = (
    Companion(
        "dragon",
        "a friendly little dragon called Ember",
        "Ember",
        "his",
        "dragon",
        (
            "puffed a stream of warm, glittery bubbles",
            "flapped his small green wings",
            "curled his tail into a happy loop",
        ),
        ("said", "giggled"),
        ("dragon",),
    ),
    Companion(
        "unicorn",
        "a giggling unicorn called Twinkle",
        "Twinkle",
        "her",
        "unicorn",
        ("tossed her rainbow mane", "pranced in a sparkly circle", "giggled a tinkly giggle"),
        ("giggled", "said"),
        ("unicorn",),
    ),
    Companion(
        "fairy",
        "a tiny fairy called Flutter",
        "Flutter",
        "her",
        "fairy",
        ("fluttered her shimmering wings", "twirled in the air", "sprinkled a little glitter"),
        ("sang", "said"),
        ("fairy", "fairies"),
    ),
    Companion(
        "teapot",
        "a talking teapot called Mrs Pour",
        "Mrs Pour",
        "her",
        "teapot",
        ("wobbled her round lid", "whistled a cheerful whistle", "tipped her spout politely"),
        ("said", "chuckled"),
        ("teapot",),
    ),
    Companion(
        "giant",
        "a gentle giant called Bumble",
        "Bumble",
        "his",
        "giant",
        ("smiled a huge, kind smile", "bent down very carefully", "gave a soft, rumbly chuckle"),
        ("said", "rumbled"),
        ("giant",),
        ("outdoor", "sky"),
    ),
)

_FAN_PROBLEMS = (
    Problem(
        "rainbow",
        "the Faded Rainbow",
        (
            R(
                "But something was wrong. The rainbow had lost its colours!",
                "But something was wrong: the great rainbow had faded to a pale, sleepy grey.",
                tiny="Oh no! The rainbow was grey.",
            ),
            R(
                '"Without colours, the magic can\'t shine," said {comp} softly.',
                tiny='"We need colours," said {comp}.',
            ),
        ),
        (
            R(
                "{name} remembered the drawing, full of {colours}.",
                "{name} remembered the drawing at home, bursting with {colours}.",
                tiny="{name} thought of the picture.",
            ),
            R(
                "{name} closed both eyes and imagined every colour as brightly as possible.",
                '{name} closed both eyes, imagined every colour as brightly as possible, and whispered, "Please come back."',
                tiny="{name} made a wish.",
            ),
            R(
                "One by one, the stripes glowed: red, orange, yellow, green, blue and purple.",
                "One by one, the stripes began to glow again: red, orange, yellow, green, blue and purple, brighter than ever.",
                tiny="Red, yellow, blue! The rainbow was back!",
            ),
        ),
        ("sky",),
    ),
    Problem(
        "wand",
        "the Lost Wand",
        (
            R(
                '"Oh no," said {comp}. "The fairy queen has dropped her wand, and now the flowers can\'t open."',
                tiny='"The wand is missing," said {comp}.',
            ),
            R(
                "Everyone looked under leaves and behind stones, but the wand was nowhere to be seen.",
                tiny="Where was the wand?",
            ),
        ),
        (
            R(
                "{name} looked very carefully and spotted a tiny sparkle inside a tulip.",
                "{name} looked very carefully, and there, tucked inside a sleepy tulip, was a tiny silver sparkle.",
                tiny="{name} saw a sparkle!",
            ),
            R("It was the wand!", tiny="The wand!"),
            R(
                "{name} gave it back, and with one swish, every flower opened at once.",
                "{name} handed it back gently, and with one swish of the wand, every flower opened at once, like a thousand tiny umbrellas.",
                tiny="Swish! The flowers opened.",
            ),
        ),
        (),
    ),
    Problem(
        "hiccups",
        "the Hiccup Bubbles",
        (
            R(
                "Suddenly, {comp} had the hiccups, and every hiccup made a bubble.",
                "Suddenly, {comp} had the hiccups, and every single hiccup puffed out a wobbly, rainbow bubble.",
                tiny="Hic! {comp} had hiccups!",
            ),
            R("Hic! Pop! Hic! Pop!", tiny="Hic! Pop!"),
            R('"I can\'t stop!" said {comp}.', tiny=()),
        ),
        (
            R(
                '"Let\'s take slow, deep breaths together," said {name}.',
                tiny='"Breathe slowly," said {name}.',
            ),
            R(
                "In, and out. In, and out.",
                "They breathed in slowly, held it for a moment, and breathed out slowly, again and again.",
            ),
            R(
                "The hiccups floated away with the very last bubble.",
                "At last, the hiccups floated away with the very last bubble, which popped into a shower of glitter.",
                tiny="The hiccups stopped!",
            ),
        ),
        (),
    ),
    Problem(
        "pages",
        "the Runaway Pages",
        (
            R(
                "A gust of wind blew through, and all the pages of a storybook flew up into the air!",
                tiny="Whoosh! The pages flew away.",
            ),
            R('"Now the story is all mixed up," said {comp}.', tiny='"Oh no," said {comp}.'),
        ),
        (
            R(
                "{name} caught the pages one by one.",
                "{name} reached up and caught the pages one by one, like falling leaves.",
                tiny="{name} caught them.",
            ),
            R(
                "Then {name} looked at the pictures and put them back in the right order.",
                "Then {name} looked carefully at the pictures and put them back in order: beginning, middle and end.",
                tiny="{name} put them back.",
            ),
            R(
                "The book gave a happy flap.",
                "The book gave a happy flap and settled back on its shelf.",
            ),
        ),
        (),
    ),
    Problem(
        "cloud",
        "the Drifting Castle",
        (
            R(
                "Oh no! The castle had started to drift away on the wind.",
                "But the castle had come loose from its rainbow rope and was drifting away on the wind.",
                tiny="The castle floated away!",
            ),
            R('"We need to tie it back," said {comp}.', tiny=()),
        ),
        (
            R(
                "{name} found a long, sparkly ribbon.",
                "{name} found a long ribbon woven from sunbeams.",
                tiny="{name} found a ribbon.",
            ),
            R(
                "Together they tied the castle to the top of a rainbow with a big, strong bow.",
                tiny="They tied a big bow.",
            ),
            R("The castle stayed put, and everyone cheered.", tiny="Hooray!"),
        ),
        ("sky",),
    ),
    Problem(
        "garden",
        "the Sleepy Seeds",
        (
            R(
                "In one corner, nothing was growing at all.",
                "In one corner of the garden, nothing was growing at all, and the soil looked sad and bare.",
                tiny="Nothing was growing.",
            ),
            R('"The magic seeds are too sleepy to grow," said {comp}.'),
        ),
        (
            R(
                "{name} knelt down and sang them a wake-up song.",
                "{name} knelt down and sang them a gentle wake-up song, soft and cheerful.",
                tiny="{name} sang a song.",
            ),
            R(
                "Then {name} gave them a drink of water.",
                "Then {name} gave them a drink from the silver watering can.",
                tiny="Drip, drop.",
            ),
            R(
                "Pop, pop, pop! Green shoots sprang up, and flowers bloomed in every colour.",
                tiny="Pop, pop! Flowers!",
            ),
        ),
        ("plants",),
    ),
)

_FAN_SECTIONS: dict[str, tuple[Para, ...]] = {
    "opening": (
        Para(
            (
                R(
                    "{name} had just finished a drawing: {drawing}.",
                    "{name} had just finished a new drawing: {drawing}.",
                    tiny=("{name} made a picture. It had {colours}.", "{name} made a picture."),
                ),
                R("{name} loved {interests}.", tiny=()),
                R(
                    "Suddenly, the drawing began to shimmer and glow.",
                    "Suddenly, the colours in the drawing began to shimmer, and a soft golden glow spread across the page.",
                    tiny="Then the picture began to glow!",
                ),
                R(
                    "A little door appeared in the corner, and {name} stepped right through.",
                    "A little door appeared in the corner of the page, and with a deep breath, {name} stepped right through.",
                    tiny="{name} went through a magic door.",
                ),
            ),
            when=("drawing",),
        ),
        Para(
            (
                R(
                    "{name} was dreaming up a magical idea: {idea}.",
                    "{name} was busy dreaming up a magical idea: {idea}.",
                    tiny="{name} had an idea: {idea}.",
                ),
                R("{name} loved {interests}.", tiny=()),
                R(
                    "Suddenly, a soft glow appeared on the bedroom wall.",
                    "Suddenly, a soft golden glow appeared on the bedroom wall, in the shape of a little door.",
                    tiny="Then there was a glow!",
                ),
                R(
                    "The door opened with a tinkle, and {name} stepped right through.",
                    "It opened with a tinkle like a tiny bell, and {name} stepped right through.",
                    tiny="{name} went through a magic door.",
                ),
            ),
            when=("idea",),
        ),
        Para(
            (
                R(
                    "One afternoon, {name} found a shiny golden key under a flowerpot.",
                    "One quiet afternoon, {name} found a shiny golden key hidden under a flowerpot.",
                    tiny="{name} found a golden key.",
                ),
                R("{name} loved {interests}.", tiny=()),
                R(
                    "Behind the garden shed, there was a tiny door that had never been there before.",
                    tiny="There was a tiny door.",
                ),
                R(
                    "The key fitted perfectly, and {name} stepped right through.",
                    "The key turned with a tinkle, the door swung open, and {name} stepped right through.",
                    tiny="Click! {name} went in.",
                ),
            ),
        ),
    ),
    "meet": (
        Para(
            (
                R(
                    "Waiting there was {comp_intro}.",
                    "Waiting there, with a big welcoming smile, was {comp_intro}.",
                    tiny="{name} met {comp_intro}.",
                ),
                R("{comp} {comp_act}."),
                R(
                    '"Welcome, {name}!" {comp_says} {comp}. "We have been hoping you would come."',
                    '"Welcome, {name}!" {comp_says} {comp}. "We have been hoping someone with a big imagination would come."',
                    tiny='"Hello, {name}!" said {comp}.',
                ),
                L('"Hello!" said {name}, eyes wide with wonder.'),
            ),
        ),
    ),
    "thanks": (
        Para(
            (
                R(
                    '"Thank you, {name}," said {comp}. "Your kindness is the best magic of all."',
                    '"Thank you, {name}," said {comp}. "You did not use a wand or a spell. You used kindness, and that is the strongest magic there is."',
                    tiny='"Thank you, {name}!" said {comp}.',
                ),
                R(
                    "{comp} gave {name} a tiny glowing seed as a gift.",
                    "As a thank-you gift, {comp} gave {name} a tiny seed that glowed like a star.",
                    tiny="{comp} gave {name} a glowing seed.",
                ),
                L("{comp} {comp_act2}."),
            ),
        ),
    ),
    "ending": (
        Para(
            (
                R(
                    "Then {name} stepped back through the little door, and it closed with a soft click.",
                    "Then {name} waved goodbye and stepped back through the little door, which closed with a soft click and vanished.",
                    tiny="Then {name} went home.",
                ),
                L("{name} knew that {moral}.", tiny=()),
                R(
                    "{name} smiled a happy, secret smile, because the magic would always be there.",
                    "{name} smiled a happy, secret smile, holding the glowing seed, because the magic of kindness would always be there.",
                    tiny="{name} smiled. What a happy secret!",
                ),
            ),
        ),
    ),
}

_FAN_EPISODES = (
    Para(
        (
            R("{comp} taught {name} a magic word.", tiny="{comp} said a magic word."),
            R(
                '"Say it kindly, and something lovely happens," {comp} whispered.',
                tiny='"Say it kindly," said {comp}.',
            ),
            R(
                "{name} said it, and a shower of sparkles fell like warm snow.",
                "{name} said it very kindly, and a shower of sparkles drifted down like warm, glittering snow.",
                tiny="Sparkle, sparkle!",
            ),
        ),
        key="magic-word",
    ),
    Para(
        (
            R("They came to a tea party for tiny creatures.", tiny="A tiny tea party!"),
            R(
                "Mice, snails and ladybirds sat at a table made from a leaf.",
                "Mice in waistcoats, snails with bows and ladybirds in tiny hats sat around a table made from a leaf.",
            ),
            R(
                '"Please join us!" they said, and {name} had a thimble of pink lemonade.',
                tiny="{name} had pink lemonade.",
            ),
        ),
        key="tea-party",
    ),
    Para(
        (
            R(
                "A cloud came down and offered them a ride.",
                "A fluffy cloud floated down and offered them a ride, soft as a pillow.",
                tiny="A cloud gave them a ride.",
            ),
            R("Up, up they floated, over hills and rivers.", tiny="Up, up, up!"),
            L("{name} laughed as the wind tickled everyone's cheeks."),
        ),
        key="cloud-ride",
    ),
    Para(
        (
            R(
                "They met a family of glow-worms who made pictures with their lights.",
                tiny="Little lights made pictures.",
            ),
            R(
                "They made a star, a heart and then {subject}, just like the drawing.",
                "First they made a star, then a heart, and then, to {name_s} delight, {subject}, just like the one in the drawing.",
                tiny="A star! A heart!",
            ),
        ),
        key="glow",
    ),
    Para(
        (
            R("A talking flower asked {name} for a song.", tiny="A flower wanted a song."),
            R(
                "{name} sang a happy tune, and the flower swayed and danced.",
                tiny="{name} sang. The flower danced.",
            ),
            L("Soon all the flowers were swaying together."),
        ),
        key="flower-song",
        needs=("plants", "outdoor"),
    ),
    Para(
        (
            R(
                "On the way back, the path twinkled with tiny lights.",
                "On the way back, the path twinkled with hundreds of tiny lights, as if the stars had come down to say goodbye.",
                tiny="The path twinkled.",
            ),
            R(
                "{name} and {comp} walked slowly, holding hands.",
                tiny="{name} held hands with {comp}.",
            ),
        ),
        key="twinkle-path",
        slot="late",
    ),
    Para(
        (
            R(
                "A path of glowing stepping stones appeared.",
                "A path of glowing stepping stones appeared, each one a different colour.",
                tiny="Glowing stones!",
            ),
            R(
                "Every time {name} stepped on one, it played a note.",
                "Every time {name} stepped on one, it played a note, and soon they had made a whole tune.",
                tiny="Ping! Pong! Ping!",
            ),
            L("{comp} danced along behind."),
        ),
        key="music-stones",
    ),
    Para(
        (
            R(
                "{comp} showed {name} a wishing well.",
                "{comp} led {name} to a little wishing well with a silver bucket.",
                tiny="A wishing well!",
            ),
            R(
                "{name} made a kind wish, for everyone to have a happy day.",
                "{name} thought carefully and made a kind wish: that everyone, everywhere, would have a happy day.",
                tiny="{name} made a kind wish.",
            ),
            R(
                "The well sparkled, and a little rainbow rose out of it.",
                "The water sparkled, and a tiny rainbow rose up out of the well, as if to say the wish was a good one.",
                tiny="Sparkle! A rainbow!",
            ),
        ),
        key="wish",
    ),
    Para(
        (
            R(
                "A family of tiny bunnies with glittery ears hopped by.",
                "A family of tiny bunnies with glittery ears came hopping by, leaving a trail of sparkles.",
                tiny="Tiny bunnies hopped by.",
            ),
            R("They waved their paws at {name}.", tiny="Hop, hop, hello!"),
            L('"Everyone here is so friendly," said {name}.'),
        ),
        key="bunnies",
    ),
    Para(
        (
            R(
                "They found a magic paintbrush lying on a cushion.",
                "On a velvet cushion lay a magic paintbrush that hummed softly.",
                tiny="A magic paintbrush!",
            ),
            R(
                "{name} painted a little bird in the air, and it flew away singing.",
                "{name} painted a little bird in the air, and it flapped its painted wings and flew away, singing.",
                tiny="{name} painted a bird. It flew!",
            ),
            L("Then {name} painted a flower in {colour}, just like the drawing."),
        ),
        key="paintbrush",
    ),
    Para(
        (
            R(
                "The moon came out early to watch.",
                "The moon came out early, just to watch the fun.",
                tiny="The moon came out.",
            ),
            R(
                "It winked at {name}, and {name} winked back.",
                "It gave {name} a slow, silvery wink, and {name} winked right back.",
                tiny="Wink!",
            ),
        ),
        key="moon-wink",
        slot="late",
    ),
    Para(
        (
            R(
                "They had a snack of star-shaped biscuits and sparkly juice.",
                "They sat down for a snack of star-shaped biscuits and sparkly berry juice.",
                tiny="Star biscuits! Yum!",
            ),
            R(
                "Every bite tasted like a different flavour.",
                "Every bite tasted of something different: strawberries, then honey, then warm apple pie.",
            ),
            L('"Magic snacks are the best," said {comp}.'),
        ),
        key="snack",
    ),
)

_FAN_SECTIONS["opening"] += (
    Para(
        (
            R(
                "{name} was colouring in a new drawing: {drawing}.",
                "{name} was adding the very last touches to a new drawing: {drawing}.",
                tiny="{name} coloured a picture.",
            ),
            R("{name} loved {interests}.", tiny=()),
            R(
                "All of a sudden, a tiny voice giggled from inside the picture.",
                "All of a sudden, a tiny voice giggled from somewhere inside the picture, and the paper rippled like water.",
                tiny="Giggle! The picture giggled!",
            ),
            R(
                '"Come in!" called the voice, and {name} reached out and floated right inside.',
                '"Come in, come in!" called the voice, and when {name} touched the page, everything swirled and sparkled, and {name} floated right inside.',
                tiny="Whoosh! {name} went inside the picture.",
            ),
        ),
        when=("drawing",),
    ),
    Para(
        (
            R(
                "One evening, a glowing feather floated in through {name_s} window.",
                "One evening, a glowing golden feather floated in through {name_s} open window and hovered in the air.",
                tiny="A glowing feather came in.",
            ),
            R("{name} loved {interests}.", tiny=()),
            R(
                "When {name} touched it, the whole room began to sparkle.",
                "When {name} touched it, the whole room began to sparkle, and a shimmering path appeared across the floor.",
                tiny="Sparkle, sparkle!",
            ),
            R(
                "{name} followed the sparkles, step by step, into a magical place.",
                tiny="{name} followed the sparkles.",
            ),
        ),
    ),
)
_FAN_SECTIONS["meet"] += (
    Para(
        (
            R(
                (
                    "Something peeked out from behind a silver leaf. It was {comp_intro}!",
                    "A little voice called hello. It was {comp_intro}!",
                ),
                "Something peeked out shyly from behind a silver leaf. It was {comp_intro}!",
                tiny="Peekaboo! It was {comp_intro}!",
            ),
            R("{comp} {comp_act}."),
            R(
                '"Oh, a visitor!" {comp_says} {comp}. "Hello, {name}. I have been waiting for a friend like you."',
                tiny='"Hello, {name}!" said {comp}.',
            ),
            L('"Hello," said {name}, smiling from ear to ear.'),
        ),
    ),
)
_FAN_SECTIONS["thanks"] += (
    Para(
        (
            R(
                (
                    "Everyone cheered, and the air filled with floating, glittering bubbles.",
                    "Hooray! Little lights danced in the air like a party of fireflies.",
                ),
                "Everyone cheered, and the air filled with floating bubbles that glittered in every colour.",
                tiny="Hooray! Bubbles everywhere!",
            ),
            R(
                '"You have a kind heart, {name}," said {comp}. "That is real magic."',
                '"You have a kind heart and a clever mind, {name}," said {comp}. "That is the truest magic of all."',
                tiny='"Thank you, {name}," said {comp}.',
            ),
            R(
                "{comp} gave {name} a shiny pebble that hummed a happy tune.",
                "As a thank-you, {comp} gave {name} a shiny little pebble that hummed a happy tune when it was held.",
                tiny="{comp} gave {name} a shiny pebble.",
            ),
        ),
    ),
)
_FAN_SECTIONS["ending"] += (
    Para(
        (
            R(
                (
                    "With a swirl of sparkles, {name} was back home, just in time for dinner.",
                    "Then, in the blink of an eye, {name} was back home, sitting on the bedroom floor.",
                ),
                "With a swirl of sparkles and a soft whoosh, {name} was back home again, just in time for dinner.",
                tiny="Whoosh! {name} was home.",
            ),
            L("{name} knew that {moral}.", tiny=()),
            R(
                "Nobody knew where {name} had been, but {name} smiled a happy secret smile and felt warm all over.",
                tiny="{name} smiled a happy secret smile.",
            ),
        ),
    ),
)

FANTASY = TypeBank(
    titles=(
        "{name} and {place_title}",
        "{name} and {problem_title}",
        "{name}'s Magic Door",
    ),
    shape=(
        ("opening",),
        ("setting.desc",),
        ("meet",),
        "mid",
        ("problem.setup",),
        ("problem.solve",),
        "late",
        ("thanks",),
        ("ending",),
    ),
    sections=_FAN_SECTIONS,
    settings=_FAN_SETTINGS,
    companions=_FAN_COMPANIONS,
    problems=_FAN_PROBLEMS,
    episodes=_FAN_EPISODES,
    morals=(
        "kindness is the most wonderful magic of all",
        "imagination can open any door",
        "a kind heart makes magic happen",
    ),
    theme_morals=(
        ("magic used kindly", "kindness is the most wonderful magic of all"),
        ("imagination", "imagination can open any door"),
        ("friendship", "friends make every kind of magic brighter"),
    ),
    mood="lively",
)


# --- real world ----------------------------------------------------------------------------------

_REAL_SETTINGS = (
    Setting(
        "park",
        "the park",
        "the Park",
        (
            R(
                (
                    "After lunch, {name} went to the park with Grandpa.",
                    "On a sunny afternoon, Grandpa took {name} to the park.",
                ),
                (
                    "After lunch, {name} and Grandpa walked to the neighbourhood park, swinging their arms.",
                    "On a bright, breezy afternoon, Grandpa and {name} strolled down the lane to the neighbourhood park.",
                    "Grandpa and {name} packed a snack and walked to the park, where the trees were swaying in the breeze.",
                ),
                tiny="{name} went to the park.",
            ),
            R(
                (
                    "There were swings, a slide and a big sandpit.",
                    "The park had swings, a twisty slide and a sandpit full of buckets.",
                ),
                "There were creaky swings, a shiny slide, a sandpit and a pond where the ducks paddled about.",
                tiny="There were swings. There was a slide.",
            ),
            L("{name} ran straight to {detail}.", tiny="{name} ran to {detail}."),
        ),
        ("the tallest slide", "the wobbly bridge", "the sandpit", "the duck pond"),
        ("outdoor", "grass", "trees", "park"),
        ("park", "playground"),
        ("grass", "tree", "sun", "flower"),
        "a shy little girl in a red hat",
        companions=("newfriend", "newfriend2"),
        problems=("swings", "ball"),
        meet=(
            R(
                (
                    "Near the swings, {name} saw {comp_intro}.",
                    "By the slide, {name} noticed {comp_intro}.",
                ),
                "By the swings, {name} noticed {comp_intro}.",
                tiny="{name} saw {comp}.",
            ),
            R(
                "{comp} {comp_act}.",
            ),
            R(
                (
                    '{name} felt a bit shy too, but said, "Hello, I\'m {name}."',
                    '{name} took a deep breath and said, "Hi! My name is {name}."',
                ),
                "{name} felt a little shy too, but took a deep breath and said, \"Hello, I'm {name}. What's your name?\"",
                tiny='"Hello," said {name}.',
            ),
            R('"I\'m {comp}," came a quiet answer.', tiny='"I\'m {comp}," said {comp}.'),
        ),
        bare="park",
    ),
    Setting(
        "kitchen",
        "Grandma's kitchen",
        "Grandma's Kitchen",
        (
            R(
                (
                    "On Saturday, {name} went to visit Grandma.",
                    "It was a rainy Saturday, and {name} was spending the day at Grandma's house.",
                ),
                (
                    "On Saturday morning, {name} went to visit Grandma, who lived in a little house with a green door.",
                    "{name} spent the whole of Saturday at Grandma's, which always meant something delicious.",
                ),
                tiny="{name} went to see Grandma.",
            ),
            R(
                (
                    "Grandma's kitchen smelled of cinnamon and warm bread.",
                    "Grandma's kitchen was warm and bright, with pots and pans hanging on hooks.",
                ),
                "Grandma's kitchen always smelled of cinnamon and warm bread, and the kettle was always singing.",
                tiny="It smelled yummy.",
            ),
            L("On the table there was {detail}.", tiny="There was {detail}."),
        ),
        ("a big mixing bowl", "a jar of raisins", "a wooden spoon", "a bag of flour"),
        ("indoor", "home", "kitchen"),
        ("kitchen", "grandma", "grandmother", "baking", "cook"),
        (),
        "a shy little cat",
        companions=("grandma",),
        problems=("flour", "bread", "pancakes"),
        meet=(
            R(
                '"Hello, my love," said Grandma, with a big hug.',
                '"There you are, my love," said Grandma, wrapping {name} in a big, warm hug.',
                tiny="Grandma gave {name} a big hug.",
            ),
            R("Grandma {comp_act}."),
            R(
                '"Shall we bake something together today?" asked Grandma.',
                tiny='"Let\'s bake!" said Grandma.',
            ),
            L('"Yes, please!" said {name}.'),
        ),
        bare="kitchen",
    ),
    Setting(
        "school",
        "the new school",
        "the First Day of School",
        (
            R(
                (
                    "Today was {name_s} first day at school.",
                    "It was a very big day: the first day at a new school.",
                ),
                (
                    "Today was a big day: {name_s} very first day at school.",
                    "A brand-new school was waiting, and today was {name_s} very first day.",
                ),
                tiny="Today was the first day of school.",
            ),
            R(
                (
                    "{name} held Mum's hand tightly at the gate, with a fluttery feeling inside.",
                    "At the school gate, {name} had butterflies in the tummy.",
                ),
                "At the gate, {name} held on tight to a grown-up's hand, with a fluttery, wobbly feeling inside.",
                tiny="{name} felt a bit wobbly.",
            ),
            L(
                "The classroom had bright pictures on the walls and a reading corner full of cushions.",
                tiny="The classroom was bright.",
            ),
        ),
        (
            "the painting table",
            "the reading corner",
            "the block corner",
            "the window with the fish tank",
        ),
        ("indoor", "school"),
        ("school", "classroom", "first day"),
        (),
        "a shy boy with a blue backpack",
        companions=("teacher", "teacher2"),
        problems=("alone", "paint", "peg"),
        meet=(
            R(
                "A kind teacher called {comp} smiled and knelt down.",
                'A kind teacher called {comp} knelt down, smiled and said, "Welcome, {name}. We are so happy you are here."',
                tiny="{comp} the teacher smiled.",
            ),
            R("{comp} {comp_act}."),
            R(
                '"It is normal to feel a bit nervous on the first day," said {comp}.',
                '"Lots of people feel nervous on their first day," said {comp}. "That feeling is called being nervous, and it gets smaller as you settle in."',
                tiny='"You are safe here," said {comp}.',
            ),
        ),
        bare="school",
    ),
    Setting(
        "market",
        "the market",
        "the Market",
        (
            R(
                (
                    "On Saturday, {name} went to the market with Dad.",
                    "Dad and {name} went to the market early on Saturday morning.",
                ),
                (
                    "On Saturday, {name} went to the busy market with Dad, carrying a basket and a shopping list.",
                    "Early on Saturday, Dad and {name} set off for the market, with a wicker basket and a list of things to buy.",
                ),
                tiny="{name} went to the market.",
            ),
            R(
                (
                    "There were stalls full of red apples, yellow bananas and fresh bread.",
                    "The market was busy and noisy, with stalls of fruit, bread, cheese and flowers.",
                ),
                (
                    "There were stalls piled high with shiny red apples, yellow bananas, crusty bread and flowers in every colour.",
                    "The market hummed with voices, and the air smelled of fresh bread, ripe peaches and sweet flowers.",
                ),
                tiny="There were apples. There were bananas.",
            ),
            L("{name} liked {detail} best.", tiny="{name} saw {detail}."),
        ),
        ("the flower stall", "the cheese stall", "the bread stall", "the fruit stall"),
        ("outdoor", "town", "market"),
        ("market", "shop"),
        ("sun", "flower"),
        "a shy little boy",
        companions=("stallholder", "baker"),
        problems=("apples", "list", "crowd"),
        meet=(
            R(
                (
                    "At one of the stalls, {name} met {comp_intro}.",
                    "Behind a stall piled high with good things stood {comp_intro}.",
                ),
                (
                    "Between the stalls, {name} met {comp_intro}, who seemed to know everyone at the market.",
                    "Halfway along the first row of stalls, {name} said hello to {comp_intro}.",
                ),
                tiny="{name} met {comp}.",
            ),
            R("{comp} {comp_act}."),
            R('"Good morning, {name}!" said {comp}.'),
        ),
        bare="market",
    ),
    Setting(
        "train",
        "the train",
        "the Train Ride",
        (
            R(
                (
                    "Today, {name} was going on a train ride to the seaside.",
                    "{name} had been waiting all week for today: a train ride to the seaside!",
                ),
                (
                    "Today, {name} was going on a real train ride all the way to the seaside, with a ticket in one hand.",
                    "{name} had been counting the days, and at last it was time for the train ride to the seaside.",
                ),
                tiny="{name} got on a train.",
            ),
            R(
                (
                    "The train went clickety-clack, clickety-clack.",
                    "With a whistle and a jolt, the train set off, clickety-clack.",
                ),
                "The train rolled out of the station, clickety-clack, clickety-clack, past houses and fields.",
                tiny="Clickety-clack!",
            ),
            L("Out of the window, {name} could see {detail}.", tiny="{name} saw {detail}."),
        ),
        ("cows in a field", "a long river", "a tunnel coming up", "a windmill turning slowly"),
        ("indoor", "travel", "train"),
        ("train",),
        (),
        "a shy little boy",
        companions=("conductor", "grandpa"),
        problems=("ticket", "baby", "window"),
        meet=(
            R(
                (
                    "In the seat next to {name} sat {comp_intro}.",
                    "Across the little table sat {comp_intro}.",
                ),
                (
                    "In the seat next to {name}, ready for the journey, sat {comp_intro}.",
                    "Sharing the little table by the window was {comp_intro}.",
                ),
                tiny="{name} met {comp}.",
            ),
            R("{comp} {comp_act}."),
            R(
                '"Isn\'t this exciting?" said {comp}.',
                '"I love trains," said {comp}. "You never know what you will see next."',
            ),
        ),
        bare="train",
    ),
)

_REAL_COMPANIONS = (
    Companion(
        "newfriend",
        "a girl called Rosa, who was standing all alone",
        "Rosa",
        "her",
        "girl",
        (
            "looked down at her shoes",
            "gave a small, shy smile",
            "twisted her hair round one finger",
        ),
        ("said",),
        ("classmate", "new friend", "friend"),
    ),
    Companion(
        "grandma",
        "Grandma",
        "Grandma",
        "her",
        "grandma",
        ("tied on her spotty apron", "smiled her twinkly smile", "hummed a happy tune"),
        ("said",),
        ("grandparent", "grandma", "grandmother"),
    ),
    Companion(
        "teacher",
        "a kind teacher called Ms Lee",
        "Ms Lee",
        "her",
        "teacher",
        ("smiled warmly", "gave a friendly wave", "showed everyone where to hang their coats"),
        ("said",),
        ("teacher",),
    ),
    Companion(
        "stallholder",
        "a cheerful fruit seller called Mr Patel",
        "Mr Patel",
        "his",
        "fruit seller",
        ("polished an apple on his apron", "laughed a big, jolly laugh", "tipped his cap"),
        ("said",),
        ("baker", "neighbour", "seller"),
    ),
    Companion(
        "conductor",
        "a friendly conductor called Mrs Green",
        "Mrs Green",
        "her",
        "conductor",
        ("punched a neat hole in a ticket", "tipped her smart cap", "hummed along with the train"),
        ("said",),
        ("bus driver", "driver", "conductor"),
    ),
)

_REAL_PROBLEMS = (
    Problem(
        "swings",
        "Taking Turns",
        (
            R(
                (
                    "There was only one free swing, and {name} and {comp} both wanted it.",
                    "Soon everyone else had a swing, and only one was left, and both {name} and {comp} wanted it.",
                ),
                "There was only one free swing, and both {name} and {comp} reached for it at exactly the same moment.",
                tiny="There was one swing.",
            ),
            R(
                (
                    "{name} felt cross for a moment, and {comp} looked ready to cry.",
                    "{name} frowned, and {comp} frowned too. Nobody was having fun.",
                ),
                "For a moment {name} felt cross, and {comp} looked as though tears were coming.",
                tiny="Both wanted a go.",
            ),
        ),
        (
            R(
                (
                    '"Let\'s take turns," said {name}. "You go first, and I\'ll push you."',
                    'Then {name} had an idea. "We can take turns! You go first, and I will push."',
                ),
                tiny='"You go first," said {name}.',
            ),
            R(
                "{name} counted ten pushes, and then they swapped.",
                "{name} gave ten big pushes, counting out loud, and then they swapped places.",
                tiny="Push, push! Then swap!",
            ),
            R(
                (
                    "Taking turns turned out to be twice as much fun.",
                    "Pushing was fun, swinging was fun, and laughing together was the most fun of all.",
                ),
                "Taking turns turned out to be twice as much fun, because now they were laughing together.",
            ),
            L('"Do you want to be friends?" asked {comp}.', tiny='"Friends?" asked {comp}.'),
        ),
    ),
    Problem(
        "ball",
        "the Ball in the Bush",
        (
            R(
                "Then {name_s} ball bounced into a prickly bush.",
                "Then, with one big kick, {name_s} ball flew over the path and landed deep inside a prickly bush.",
                tiny="Oops! The ball went in a bush.",
            ),
            R('"Oh no," said {name}. "I can\'t reach it."', tiny='"Oh no," said {name}.'),
        ),
        (
            R(
                '"I can help," said {comp}, picking up a long stick.',
                '"I have an idea," said {comp}, finding a long stick under a tree.',
                tiny='"I can help," said {comp}.',
            ),
            R(
                "Together they rolled the ball out, bit by bit.",
                "Together, very carefully, they nudged the ball out, bit by bit, until it rolled free.",
                tiny="Roll, roll, out it came!",
            ),
            R('"Let\'s play together!" said {name}.'),
        ),
    ),
    Problem(
        "flour",
        "the Flour Cloud",
        (
            R(
                "{name} lifted the heavy bag of flour, and whoosh, it tipped over!",
                "{name} lifted the heavy bag of flour to pour it, but it slipped, and whoosh, a white cloud puffed up everywhere!",
                tiny="Whoosh! Flour everywhere!",
            ),
            R(
                "Flour landed on the table, on the floor and on the tip of {name_s} nose.",
                tiny="Flour on {name_s} nose!",
            ),
            R('"Oh no," said {name}, feeling a little worried.', tiny='"Oops," said {name}.'),
        ),
        (
            R(
                'But Grandma just laughed. "Everyone spills things when they are learning."',
                'But Grandma just laughed kindly. "Everyone spills things when they are learning, my love. Let\'s tidy up together."',
                tiny="Grandma laughed.",
            ),
            R(
                "They swept and wiped until the kitchen was clean again.",
                "Together they swept and wiped and laughed until the kitchen sparkled again.",
                tiny="They cleaned up together.",
            ),
            R(
                "Then {name} measured the flour slowly, one careful spoonful at a time.",
                tiny="Then {name} tried again, slowly.",
            ),
            L("Soon the cookies were in the oven, smelling wonderful."),
        ),
    ),
    Problem(
        "bread",
        "the Bread That Would Not Rise",
        (
            R(
                "They made bread dough, but it stayed small and flat.",
                "They mixed and kneaded a lump of bread dough, but after a while it was still small and flat.",
                tiny="The bread dough was flat.",
            ),
            R('"Why won\'t it grow?" asked {name}.', tiny='"Why?" asked {name}.'),
        ),
        (
            R(
                '"Bread dough likes to be warm," said Grandma.',
                '"The yeast in bread dough makes it grow, and yeast likes to be warm," said Grandma.',
                tiny='"It needs to be warm," said Grandma.',
            ),
            R(
                "{name} moved the bowl to a warm, sunny spot and covered it with a cloth.",
                tiny="{name} put it somewhere warm.",
            ),
            R(
                "An hour later, the dough had puffed up, big and round.",
                "After a while, when they peeked under the cloth, the dough had puffed up, big and round like a pillow.",
                tiny="Puff! It grew big!",
            ),
        ),
    ),
    Problem(
        "alone",
        "the New Friend",
        (
            R(
                "At playtime, {name} did not know anyone to play with.",
                "At playtime, everyone seemed to have someone to play with, except {name}.",
                tiny="{name} had no one to play with.",
            ),
            R(
                "Then {name} noticed {shy}, sitting all alone too.",
                "Then {name} noticed {shy}, sitting on the bench all alone too.",
                tiny="Someone else was alone too.",
            ),
        ),
        (
            R(
                'Taking a deep breath, {name} walked over and said, "Do you want to play?"',
                tiny='"Do you want to play?" said {name}.',
            ),
            R("The boy smiled a big smile and nodded.", tiny="He smiled and said yes."),
            R(
                "They played tag and built a tower, and laughed all through playtime.",
                "They played tag, built the tallest tower in the class and laughed until playtime was over.",
                tiny="They played and played.",
            ),
        ),
    ),
    Problem(
        "paint",
        "the Painting Table",
        (
            R(
                "At the painting table, {name} wanted the yellow paint, but another girl was using it.",
                tiny="{name} wanted the yellow paint.",
            ),
            R(
                "{name} waited and waited.",
                "{name} felt impatient, but remembered that waiting is part of sharing.",
            ),
        ),
        (
            R('"Can I use the yellow when you\'re done?" asked {name} politely.'),
            R(
                '"Of course," said the girl. "You can have the blue now, if you like."',
                tiny='"Yes!" said the girl.',
            ),
            R(
                "They swapped colours back and forth and painted a picture together.",
                "They swapped colours back and forth and made one big painting together, with a bright sun and lots of flowers.",
                tiny="They painted together.",
            ),
        ),
    ),
    Problem(
        "apples",
        "the Runaway Apples",
        (
            R(
                "Bump! Someone knocked the apple basket, and apples rolled everywhere.",
                (
                    "Bump! A busy shopper knocked the apple basket, and shiny apples rolled everywhere, under tables and between feet.",
                    "Suddenly a basket tipped over, and dozens of shiny apples went rolling off in every direction.",
                ),
                tiny="Bump! The apples rolled away.",
            ),
            R('"Oh dear!" said {comp}.'),
        ),
        (
            R(
                "{name} crouched down and picked them up, one by one.",
                (
                    "{name} crouched down and hurried about, picking them up one by one.",
                    "Without waiting to be asked, {name} knelt down and began gathering them up.",
                ),
                tiny="{name} picked them up.",
            ),
            R(
                '"One, two, three, four, five, six, seven, eight," counted {name}.',
                tiny='"One, two, three!"',
            ),
            R(
                '"Thank you!" said {comp}, and gave {name} the shiniest apple of all.',
                tiny="{comp} gave {name} an apple.",
            ),
        ),
    ),
    Problem(
        "list",
        "the Shopping List",
        (
            R(
                (
                    "Dad's shopping list blew away in the wind!",
                    "Whoosh! A gust of wind blew Dad's shopping list right out of his hand.",
                ),
                "A gust of wind snatched Dad's shopping list and whisked it away over the stalls.",
                tiny="The list blew away!",
            ),
            R('"Oh no, what did we need?" asked Dad.', tiny='"Oh no," said Dad.'),
        ),
        (
            R(
                (
                    "{name} closed both eyes and remembered.",
                    "{name} thought hard, trying to picture the list.",
                ),
                "{name} closed both eyes and thought very hard about the list.",
                tiny="{name} remembered.",
            ),
            R(
                '"Apples, bread, cheese and flowers for Grandma!" said {name}.',
                tiny='"Apples and bread!" said {name}.',
            ),
            R(
                (
                    "They found everything, and {comp} said {name} had the best memory in town.",
                    "Soon the basket was full, and {comp} said that was the best remembering ever.",
                ),
                tiny="They got everything!",
            ),
        ),
    ),
    Problem(
        "ticket",
        "the Missing Ticket",
        (
            R(
                "{name} looked for the ticket, but it was not there!",
                "{name} reached for the ticket, but it was not in either hand, or on the seat.",
                tiny="Where was the ticket?",
            ),
            R("{name} began to feel worried.", tiny="{name} felt worried."),
        ),
        (
            R(
                '"Let\'s look together," said {comp} kindly.',
                "\"Don't worry, let's look together, step by step,\" said {comp} kindly.",
            ),
            R(
                "They checked the seat, the floor and then {name_s} coat pocket.",
                tiny="They looked in the pocket.",
            ),
            R(
                "There it was! {name} had put it safely in the pocket and forgotten.",
                tiny="There it was!",
            ),
            L("The conductor punched it with a little click and smiled."),
        ),
    ),
    Problem(
        "baby",
        "the Sad Baby",
        (
            R(
                "A baby on the train would not stop crying.",
                "In the next seat, a baby had started crying, and the baby's mum looked very tired.",
                tiny="A baby was crying.",
            ),
            R('"Maybe I can help," thought {name}.', tiny=()),
        ),
        (
            R(
                "{name} made a funny face and played peekaboo.",
                "{name} made a funny face and played peekaboo behind both hands.",
                tiny="Peekaboo!",
            ),
            R("The baby stopped crying and began to giggle.", tiny="The baby giggled!"),
            R(
                '"Thank you," said the baby\'s mum with a grateful smile.',
                tiny='"Thank you," said the mum.',
            ),
        ),
    ),
)

_REAL_COMPANIONS += (
    Companion(
        "newfriend2",
        "a boy called Arjun, who was holding a red ball",
        "Arjun",
        "his",
        "boy",
        (
            "bounced his ball once, very carefully",
            "gave a shy little wave",
            "scuffed his shoe on the ground",
        ),
        ("said",),
        ("classmate", "new friend", "friend"),
    ),
    Companion(
        "teacher2",
        "a cheerful teacher called Mr Brown",
        "Mr Brown",
        "his",
        "teacher",
        (
            "gave a friendly thumbs up",
            "smiled a big, crinkly smile",
            "pushed his glasses up his nose",
        ),
        ("said",),
        ("teacher",),
    ),
    Companion(
        "baker",
        "a smiling baker called Mrs Rossi",
        "Mrs Rossi",
        "her",
        "baker",
        (
            "dusted flour off her hands",
            "laughed a warm, rolling laugh",
            "straightened her tall white hat",
        ),
        ("said",),
        ("baker",),
    ),
    Companion(
        "grandpa",
        "Grandpa",
        "Grandpa",
        "his",
        "grandpa",
        ("winked one twinkly eye", "hummed an old song", "patted the seat beside him"),
        ("said",),
        ("grandparent", "grandpa", "grandfather"),
    ),
)

_REAL_PROBLEMS += (
    Problem(
        "pancakes",
        "the Wobbly Pancake",
        (
            R(
                "Grandma let {name} flip the first pancake.",
                "Grandma handed {name} the pan and said it was time to flip the very first pancake.",
                tiny="{name} flipped a pancake.",
            ),
            R(
                "Flip! It landed in a crumpled, wobbly heap.",
                "Flip! Up it went, and it landed in a crumpled, wobbly heap, half in and half out of the pan.",
                tiny="Flop! It was all wobbly.",
            ),
            R('"Oh no," said {name}.', '"Oh no, I ruined it," said {name}, feeling a bit sad.'),
        ),
        (
            R(
                '"The first pancake is always the practice one," laughed Grandma.',
                '"The first pancake is always the practice one, my love," laughed Grandma. "Everybody knows that."',
                tiny='"That is the practice one," said Grandma.',
            ),
            R(
                "{name} tried again, slowly and gently, and this time it flipped perfectly.",
                "So {name} tried again, slowly and gently, and this time the pancake flipped over perfectly, golden and round.",
                tiny="{name} tried again. Perfect!",
            ),
            R(
                "They ate pancakes with strawberries, and the practice one was the tastiest of all.",
                tiny="Yum, pancakes!",
            ),
        ),
    ),
    Problem(
        "peg",
        "the Coat Peg",
        (
            R(
                "{name} needed to hang up a coat, but there were so many pegs.",
                "{name} needed to hang up a coat, but there was a long row of pegs, and they all looked the same.",
                tiny="So many coat pegs!",
            ),
            R('"Which one is mine?" wondered {name}.', tiny='"Which one is mine?"'),
        ),
        (
            R(
                "Then {name} saw a peg with a little picture of a star and the name {name} underneath.",
                "Then {name} spotted a peg with a little picture of a star and the name {name} written underneath in big letters.",
                tiny="There was a star and the name {name}.",
            ),
            R(
                '"That\'s mine!" said {name}, and hung the coat up all alone.',
                '"That one is mine!" said {name}, and hung the coat up without any help at all.',
                tiny='"Mine!" said {name}.',
            ),
            L("{comp} gave a big thumbs up."),
        ),
    ),
    Problem(
        "window",
        "the Window Seat",
        (
            R(
                "A little boy wanted to look out of the window too, but {name} had the window seat.",
                "A little boy across the aisle kept stretching his neck to see out, but {name} had the only window seat.",
                tiny="A boy wanted to see out.",
            ),
            R("He looked a bit sad.", "He looked a little bit sad."),
        ),
        (
            R(
                '"Would you like to sit here for a while?" asked {name}.',
                tiny='"You can sit here," said {name}.',
            ),
            R(
                "They took turns, and told each other everything they could see.",
                "They took turns, and whoever was not at the window told the other one what they could see.",
                tiny="They took turns.",
            ),
            R(
                '"Cows! A windmill! A river!" they called, laughing.',
                tiny='"Cows!" they said.',
            ),
        ),
    ),
    Problem(
        "crowd",
        "the Busy Crowd",
        (
            R(
                "The market was so busy that {name} could not see Dad anymore.",
                "The market was so crowded that, for a moment, {name} could not see Dad anywhere.",
                tiny="Where was Dad?",
            ),
            R("{name} felt a wobbly feeling inside.", tiny="{name} felt worried."),
        ),
        (
            R(
                "{name} remembered what to do: stand still and ask a helper.",
                "{name} remembered exactly what to do: stand still, stay calm and ask a helper.",
                tiny="{name} stood still.",
            ),
            R(
                "{comp} waved, and Dad came hurrying back with a big smile.",
                "{name} went to {comp}, who waved a hand high in the air, and Dad came hurrying back with a big, relieved smile.",
                tiny="There was Dad!",
            ),
            R(
                '"You did exactly the right thing," said Dad, and gave {name} a hug.',
                tiny="Dad gave {name} a hug.",
            ),
        ),
    ),
)

_REAL_SECTIONS: dict[str, tuple[Para, ...]] = {
    "opening": (
        Para(
            (
                R(
                    "{name} had made a new drawing: {drawing}.",
                    "That morning, {name} had made a new drawing: {drawing}.",
                    tiny=("{name} made a picture. It had {colours}.", "{name} made a picture."),
                ),
                R("{name} loved {interests}.", tiny=()),
                R(
                    (
                        "It went up on the fridge, and then it was time for something new.",
                        "Everyone said it was lovely, and then it was time to get ready.",
                    ),
                    "It went straight up on the fridge, and then it was time for something brand new.",
                    tiny="It went on the fridge.",
                ),
            ),
            when=("drawing",),
        ),
        Para(
            (
                R("{name} had an idea that morning: {idea}.", tiny="{name} had an idea: {idea}."),
                R("{name} loved {interests}.", tiny=()),
                R("But first, it was time for something new.", tiny="Then it was time to go."),
            ),
            when=("idea",),
        ),
        Para(
            (
                R(
                    "{name} woke up with a fluttery feeling inside.",
                    "{name} woke up early, with a fluttery, excited feeling inside.",
                    tiny="{name} woke up.",
                ),
                R("{name} loved {interests}.", tiny=()),
                R("Today was going to be a new kind of day.", tiny="Today was a new day."),
            ),
        ),
    ),
    "celebrate": (
        Para(
            (
                R(
                    "{name} felt warm and proud inside.",
                    "{name} felt warm and proud inside, a little braver than before.",
                    tiny="{name} felt proud.",
                ),
                R(
                    '"You were very kind today," said {comp}.',
                    '"You were kind and thoughtful today," said {comp}. "I am proud of you."',
                    tiny='"Well done!" said {comp}.',
                ),
                L("{comp} {comp_act2}."),
            ),
        ),
    ),
    "ending": (
        Para(
            (
                R(
                    "That evening, {name} told everyone about the day.",
                    (
                        "That evening, {name} told the whole family all about the day, from beginning to end.",
                        "Over dinner, {name} told the story of the day, and everyone listened with shining eyes.",
                    ),
                    tiny="At home, {name} told everyone.",
                ),
                L("{name} had learned that {moral}.", tiny=()),
                R(
                    "{name} smiled a big, proud smile, feeling happy and a little braver than before.",
                    (
                        "{name} smiled a big, proud smile, and felt ready for whatever new thing might come next.",
                        "{name} felt proud and happy, and a little bit taller than that morning.",
                    ),
                    tiny="{name} smiled. What a happy day!",
                ),
            ),
        ),
    ),
}

_REAL_EPISODES = (
    Para(
        (
            R("Later, they had a snack together.", tiny="Snack time!"),
            R(
                "{name} shared crackers and grapes, half for each.",
                "{name} shared crackers and juicy grapes, making sure there was exactly half for each.",
                tiny="{name} shared the grapes.",
            ),
            L('"Sharing is nice," said {comp}.'),
        ),
        key="snack",
    ),
    Para(
        (
            R(
                "{name} noticed a feeling inside and gave it a name.",
                "{name} noticed a feeling inside and, just like {comp} had said, gave it a name.",
                tiny="{name} had a feeling.",
            ),
            R(
                '"I feel excited and a little bit nervous," said {name}.',
                tiny='"I feel happy," said {name}.',
            ),
            R(
                "Saying it out loud made it feel smaller and easier.",
                "Saying the feeling out loud made it feel smaller, softer and much easier to carry.",
            ),
        ),
        key="feelings",
    ),
    Para(
        (
            R("{name} helped to tidy up.", tiny="Tidy up time!"),
            R(
                "{name} put the things back where they belonged, one by one.",
                tiny="{name} put things away.",
            ),
            R('"What a helper!" said {comp}.'),
        ),
        key="tidy",
        slot="late",
    ),
    Para(
        (
            R(
                "On the way, {name} said hello to a neighbour walking a little puppy.",
                "On the way, {name} waved to a neighbour who was walking a wiggly little puppy.",
                tiny="{name} saw a puppy.",
            ),
            R("The puppy wagged its tail.", tiny="Wag, wag, wag."),
            L("{name} laughed and waved goodbye."),
        ),
        key="puppy",
        needs=("outdoor",),
    ),
    Para(
        (
            R(
                "Grandpa had brought special duck food, because bread is not good for ducks.",
                tiny="They fed the ducks.",
            ),
            R(
                "{name} and {comp} scattered it on the water.",
                "{name} and {comp} scattered it gently on the water, a little at a time.",
            ),
            R(
                "Quack, quack! The ducks paddled over for their lunch.",
                tiny="Quack, quack!",
            ),
        ),
        key="ducks",
        needs=("park",),
    ),
    Para(
        (
            R(
                "They built a sandcastle in the sandpit.",
                "They built a grand sandcastle in the sandpit, with towers and a moat.",
                tiny="They made a sandcastle.",
            ),
            R(
                "{comp} made the towers, and {name} made the windows with a finger.",
                tiny="Pat, pat, pat.",
            ),
            L('"Teamwork!" said {name}.'),
        ),
        key="sandcastle",
        needs=("park",),
    ),
    Para(
        (
            R("{name} and {comp} went down the slide.", tiny="Down the slide!"),
            R(
                "Whee! Again and again, until they were dizzy with laughing.",
                tiny="Whee!",
            ),
        ),
        key="slide",
        needs=("park",),
    ),
    Para(
        (
            R(
                "While the cookies baked, Grandma let {name} lick the spoon.",
                "While the oven hummed, Grandma let {name} lick the mixing spoon.",
                tiny="{name} licked the spoon. Yum!",
            ),
            R("It was sweet and sticky and delicious.", tiny="Sweet and sticky!"),
            L('"Don\'t tell anyone," winked Grandma.'),
        ),
        key="spoon",
        needs=("kitchen",),
    ),
    Para(
        (
            R("Then they washed up together.", tiny="Time to wash up."),
            R(
                "{name} made mountains of bubbles in the sink.",
                "{name} made great mountains of bubbles in the sink, and Grandma gave {name} a bubble beard.",
                tiny="Bubbles, bubbles!",
            ),
            R("They laughed and laughed.", tiny="They laughed."),
        ),
        key="bubbles",
        needs=("kitchen",),
    ),
    Para(
        (
            R(
                "Grandma showed {name} an old photo album.",
                "Grandma took down an old photo album and showed {name} pictures from long ago.",
                tiny="Grandma had old photos.",
            ),
            R(
                "There was a picture of Grandma when she was little, baking with her own grandma.",
                tiny="Grandma was little once!",
            ),
            L('"Some things never change," smiled Grandma.'),
        ),
        key="album",
        needs=("kitchen",),
    ),
    Para(
        (
            R(
                "At story time, everyone sat on the carpet.",
                "At story time, everyone sat cross-legged on the big carpet.",
                tiny="Story time!",
            ),
            R(
                "{comp} read a funny book about a hungry caterpillar.",
                "{comp} read a funny book with lots of different voices, and everyone giggled.",
                tiny="Everyone listened.",
            ),
            L("{name} liked the big colourful pictures best."),
        ),
        key="story-time",
        needs=("school",),
    ),
    Para(
        (
            R(
                "At lunchtime, {name} opened a lunchbox.",
                "At lunchtime, {name} opened a lunchbox and found a little note inside.",
                tiny="Lunch time!",
            ),
            R(
                'The note said: "Have a wonderful day. We love you."',
                tiny="There was a love note.",
            ),
            R("{name} felt warm inside.", tiny="{name} felt happy."),
        ),
        key="lunch",
        needs=("school",),
    ),
    Para(
        (
            R(
                "Everyone sang a song about the days of the week.",
                "Then the whole class sang a song about the days of the week, clapping along.",
                tiny="They sang a song.",
            ),
            R(
                "{name} did not know the words at first, but soon sang along.",
                tiny="Clap, clap, clap!",
            ),
        ),
        key="song",
        needs=("school",),
    ),
    Para(
        (
            R(
                "At the flower stall, {name} smelled roses, lilies and sweet peas.",
                tiny="{name} smelled the flowers.",
            ),
            R('"Mmm," said {name}. "Roses smell the best."', tiny='"Mmm!"'),
            L("Dad bought a little bunch of daisies for Grandma."),
        ),
        key="flowers",
        needs=("market",),
    ),
    Para(
        (
            R(
                "Dad let {name} pay for the apples.",
                "Dad let {name} hold the coins and pay for the apples.",
                tiny="{name} paid with coins.",
            ),
            R(
                "{name} counted out the coins, one by one, into {comp_s} hand.",
                tiny="One, two, three coins.",
            ),
            R('"Thank you, {name}," said {comp}.'),
        ),
        key="coins",
        needs=("market",),
    ),
    Para(
        (
            R("The train went into a tunnel.", tiny="Into a tunnel!"),
            R(
                "Whoosh! For a moment, everything went dim, and then, pop, out they came into the sunshine.",
                tiny="Whoosh! Then sunshine!",
            ),
            L('"Again!" laughed {name}.'),
        ),
        key="tunnel",
        needs=("train",),
    ),
    Para(
        (
            R(
                "{name} waved at the cows, the sheep and a farmer on a tractor.",
                tiny="{name} waved at the cows.",
            ),
            R("The farmer waved back!", tiny="Moo!"),
            L("Everything looked tiny from the window, like toys."),
        ),
        key="wave",
        needs=("train",),
    ),
    Para(
        (
            R(
                "At last, {name} saw a strip of sparkling blue.",
                "At last, beyond the fields, {name} saw a wide strip of sparkling blue.",
                tiny="{name} saw the sea!",
            ),
            R('"The seaside!" shouted {name}.', tiny='"The sea!"'),
        ),
        key="sea",
        needs=("train",),
        slot="late",
    ),
    Para(
        (
            R(
                "On the way home, {name} held {comp_s} hand.",
                "On the way home, {name} held {comp_s} hand and talked all about the day.",
                tiny="{name} held hands.",
            ),
            R(
                "Every now and then, {name} did a happy little skip.",
                tiny="Skip, skip, skip.",
            ),
        ),
        key="walk-home",
        slot="late",
    ),
)

_REAL_SECTIONS["opening"] += (
    Para(
        (
            R(
                "{name} had finished a brand-new picture: {drawing}.",
                (
                    "Before breakfast, {name} had finished a brand-new picture: {drawing}.",
                    "On the kitchen table lay {name_s} newest picture: {drawing}.",
                ),
                tiny="{name} made a picture.",
            ),
            R("{name} loved {interests}.", tiny=()),
            R(
                '"Today is going to be a good day," said {name}, looking at it.',
                (
                    '"I think today is going to be a good day," said {name}, holding it up to the light.',
                    "{name} hung it on the fridge with a magnet and felt ready for the day ahead.",
                ),
                tiny='"Good day!" said {name}.',
            ),
        ),
        when=("drawing",),
    ),
    Para(
        (
            R(
                "{name} jumped out of bed and opened the curtains.",
                "{name} jumped out of bed, opened the curtains wide and let the morning sunshine in.",
                tiny="{name} got up.",
            ),
            R("{name} loved {interests}.", tiny=()),
            R(
                "Something new was going to happen today.",
                "Something new was going to happen today, and {name} felt excited and a tiny bit wobbly.",
                tiny="Today was new.",
            ),
        ),
    ),
)
_REAL_SECTIONS["celebrate"] += (
    Para(
        (
            R(
                '"Well done, {name}," said {comp} with a big smile.',
                '"Well done, {name}," said {comp}, with a big smile. "That was really kind."',
                tiny='"Well done!" said {comp}.',
            ),
            R(
                (
                    "{name} felt a warm glow, right in the middle of the chest.",
                    "{name} felt as light and happy as a balloon.",
                ),
                "{name} felt a warm, happy glow, right in the middle of the chest, the kind that comes from doing something good.",
                tiny="{name} felt happy.",
            ),
            L("{comp} {comp_act2}."),
        ),
    ),
)
_REAL_SECTIONS["ending"] += (
    Para(
        (
            R(
                (
                    "At bedtime, {name} thought about the whole day.",
                    "That night, {name} told teddy all about the day.",
                ),
                "At bedtime, snuggled under the covers, {name} thought back over the whole day.",
                tiny="At bedtime, {name} thought about the day.",
            ),
            L("{name} had learned that {moral}.", tiny=()),
            R(
                "It had been new and a little bit tricky, but {name} had been brave and kind, and that felt wonderful.",
                tiny="{name} was brave and kind. {name} smiled.",
            ),
        ),
    ),
)

REAL_WORLD = TypeBank(
    titles=(
        "{name} and {place_title}",
        "{name} and {problem_title}",
        "{name}'s Big Day",
    ),
    shape=(
        ("opening",),
        ("setting.desc",),
        ("setting.meet",),
        "mid",
        ("problem.setup",),
        ("problem.solve",),
        "late",
        ("celebrate",),
        ("ending",),
    ),
    sections=_REAL_SECTIONS,
    settings=_REAL_SETTINGS,
    companions=_REAL_COMPANIONS,
    problems=_REAL_PROBLEMS,
    episodes=_REAL_EPISODES,
    morals=(
        "trying something new gets easier every time",
        "a little kindness can make a big difference",
        "sharing and taking turns make everyone happier",
        "being brave is doing something even when you feel a little nervous",
    ),
    theme_morals=(
        ("trying something new", "trying something new gets easier every time"),
        ("sharing", "sharing and taking turns make everyone happier"),
        ("helping", "helping out makes everyone feel good"),
        ("new friend", "a friendly hello can be the start of a friendship"),
        ("feelings", "naming a feeling makes it easier to handle"),
    ),
    mood="lively",
)


# --- episodes every story type can use -----------------------------------------------------------

SHARED_EPISODES: tuple[Para, ...] = (
    Para(
        (
            R(
                (
                    "Just then, {interest_el} appeared!",
                    "Guess who came along next? It was {interest_el}!",
                    "Out of nowhere, along came {interest_el}.",
                ),
                (
                    "Just then, who should appear but {interest_el}!",
                    "And then, to everyone's surprise, along came {interest_el}.",
                ),
                tiny=("Look! It was {interest_el}!", "Who was that? It was {interest_el}!"),
            ),
            R("It {interest_act}.", tiny="It {interest_act}."),
            R(
                (
                    "{name} laughed with delight, because {name} loved {interest}.",
                    '"I love {interest}!" cried {name}, clapping.',
                    "{name} grinned. Nothing was better than {interest}!",
                ),
                (
                    "{name} laughed with delight, because {name} loved {interest} more than almost anything in the world.",
                    '"This is the best surprise ever," said {name}, who loved {interest} more than anything.',
                ),
                tiny=("{name} loved {interest}!", '"Yay, {interest}!" said {name}.'),
            ),
            L("{comp} {comp_act3} and joined in the fun.", tiny=()),
        ),
        key="interest",
        when=("interests", "interest_el"),
        per="interest",
        priority=True,
        mood="lively",
    ),
    Para(
        (
            R(
                "Just then, {interest_el} came by, very quietly.",
                "Just then, quiet as a whisper, {interest_el} came by.",
                tiny="Look! It was {interest_el}.",
            ),
            R("It {interest_act}, then settled down to rest.", tiny="It {interest_act}."),
            R(
                "{name} smiled a sleepy smile, because {name} loved {interest}.",
                tiny="{name} loved {interest}.",
            ),
        ),
        key="interest-calm",
        when=("interests", "interest_el"),
        per="interest",
        priority=True,
        mood="calm",
    ),
    Para(
        (
            R(
                "As they went along, {name} told {comp} all about {interest}.",
                "As they went along, {name} told {comp} everything there was to know about {interest}.",
                tiny="{name} told {comp} about {interest}.",
            ),
            R("{comp} listened with wide, shining eyes.", tiny="{comp} listened."),
            R(
                '"You know so much about {interest}!" said {comp}.',
                '"I had no idea {interest} could be so interesting!" said {comp}.',
                tiny='"Wow!" said {comp}.',
            ),
            L("{name} felt proud and happy to share.", tiny=()),
        ),
        key="interest-talk",
        when=("interests", "interest_plain"),
        per="interest",
        priority=True,
    ),
    Para(
        (
            R("And guess what?", tiny="Guess what?"),
            R(
                "There {req_be} {req}, just as {name} had hoped!",
                "There {req_be} {req}, exactly as {name} had wished for.",
            ),
            R(
                "{name} clapped with delight.",
                "{name} clapped with delight, and the day felt even more special.",
                tiny="{name} was so happy!",
            ),
        ),
        key="request",
        when=("request",),
        priority=True,
        mood="lively",
    ),
    Para(
        (
            R(
                "And there, softly, {req_be} {req}.",
                "And there, as gently as a lullaby, {req_be} {req}.",
            ),
            R("{name} smiled a warm, sleepy smile.", tiny="{name} smiled."),
        ),
        key="request-calm",
        when=("request",),
        priority=True,
        mood="calm",
    ),
    Para(
        (
            R(
                "{name} kept thinking about {idea}.",
                "All the while, {name} kept thinking about that wonderful idea: {idea}.",
            ),
            R(
                '"I wonder what would happen next," said {name}.',
                '"I think that would make a wonderful story one day," said {name}.',
            ),
            L("{comp} agreed that it was a very good idea indeed.", tiny=()),
        ),
        key="idea",
        when=("idea",),
        priority=True,
    ),
    Para(
        (
            R(
                "Everywhere {name} looked, there were colours from the drawing.",
                "Everywhere {name} looked, there were colours from the drawing, as if the picture had come to life.",
                tiny="So many colours!",
            ),
            R(
                "{a_colour} butterfly floated by.",
                "{a_colour} butterfly floated past, and a patch of flowers shone {colour2}.",
                tiny="{a_colour} butterfly!",
            ),
            L('"Just like my picture!" said {name}.'),
        ),
        key="colours",
        when=("colours",),
        mood="lively",
    ),
    Para(
        (
            R(
                "{name} thought about the drawing at home, with {subjects}.",
                "{name} thought about the drawing waiting at home, with {subjects}.",
                tiny="{name} thought of the picture.",
            ),
            R(
                '"Today looks just like my picture," said {name}.',
                '"Today feels just like my picture," said {name}, and {comp} {comp_act3}.',
            ),
        ),
        key="subjects",
        when=("subjects",),
    ),
    Para(
        (
            R(
                "The sky turned soft shades of {colour} and {colour2}.",
                "Slowly, the sky turned soft, sleepy shades of {colour} and {colour2}, just like the drawing.",
                tiny="The sky was {colour}.",
            ),
            R("{name} watched, calm and cosy.", tiny="So pretty."),
        ),
        key="colours-calm",
        when=("colours",),
        mood="calm",
    ),
    Para(
        (
            R(
                "On the way, they met {cameo}, who waved a friendly hello.",
                "Along the way, they met {cameo}, who waved and wished them a wonderful day.",
            ),
            R("{name} waved back with a big smile.", tiny="{name} waved back."),
            L("It is always nice to meet someone new.", tiny=()),
        ),
        key="cameo",
        when=("cameo",),
    ),
    Para(
        (
            R(
                "To make the time go by, {name} made up a song.",
                "To pass the time, {name} made up a song with a bouncy tune.",
                tiny="{name} sang a song.",
            ),
            R('"La, la, la, we are happy, la, la, la!" sang {name}.', tiny='"La, la, la!"'),
            R(
                "{comp} joined in, and they sang it again and again.",
                "{comp} joined in, and soon they were both singing it, louder and sillier each time.",
                tiny="{comp} sang too.",
            ),
        ),
        key="song",
        mood="lively",
    ),
    Para(
        (
            R(
                "They lay down on the soft grass and looked up at the clouds.",
                "They lay down on the soft grass and looked up at the clouds drifting by.",
                tiny="They looked at the clouds.",
            ),
            R(
                "One cloud looked like a rabbit, and another looked like an ice cream.",
                "One cloud looked like a rabbit, one looked like a giant ice cream, and one looked a lot like {comp}.",
                tiny="One cloud was a rabbit. One was an ice cream!",
            ),
            L(
                "They giggled until their tummies hurt.",
                "They giggled until their tummies ached from laughing.",
            ),
        ),
        key="clouds",
        needs=("grass",),
        mood="lively",
    ),
    Para(
        (
            R(
                "{name} noticed a little snail in the middle of the path.",
                "{name} noticed a little snail making its slow way across the middle of the path.",
                tiny="{name} saw a little snail.",
            ),
            R(
                "{name} gently moved it to a leafy spot, safe from busy feet.",
                "Very gently, {name} lifted it onto a leafy spot, safe from busy feet.",
                tiny="{name} put it on a leaf.",
            ),
            L('"That was kind," said {comp}.', tiny=()),
        ),
        key="snail",
        needs=("grass", "plants"),
    ),
    Para(
        (
            R("{name} counted the birds in the sky.", tiny="Count the birds!"),
            R('"One, two, three, four, five!"'),
            R("Five happy birds flying home together.", tiny="Five birds!"),
        ),
        key="count-birds",
        needs=("outdoor", "sky"),
        mood="lively",
    ),
    Para(
        (
            R(
                "{name} and {comp} played a game of I spy.",
                "To rest their legs, {name} and {comp} played a game of I spy.",
                tiny="They played I spy.",
            ),
            R(
                '"I spy something beginning with S," said {name}.',
                tiny='"I spy something!" said {name}.',
            ),
            R(
                '"Sky!" said {comp}, and they both laughed.',
                '"Is it the sky?" asked {comp}. It was, and they both laughed.',
                tiny="They laughed.",
            ),
        ),
        key="i-spy",
        needs=("outdoor",),
        mood="lively",
    ),
    Para(
        (
            R(
                "{name} gave {comp} a big, warm hug.",
                "{name} gave {comp} a big, warm hug, the kind that says thank you for being my friend.",
                tiny="{name} gave {comp} a hug.",
            ),
            R('"I\'m glad we met," said {comp}.', tiny='"I like you," said {comp}.'),
        ),
        key="hug",
        slot="late",
    ),
    Para(
        (
            R(
                "Before leaving, {name} looked around one last time.",
                "Before leaving, {name} looked around one last time, trying to remember everything.",
                tiny="{name} looked around.",
            ),
            R(
                "{name} wanted to remember {detail} and {detail2} forever.",
                "{name} wanted to remember {detail}, {detail2} and every happy moment for ever and ever.",
                tiny="{name} wanted to remember it all.",
            ),
        ),
        key="remember",
        slot="late",
    ),
    Para(
        (
            R(
                '"Do you want to hear a joke?" asked {comp}.',
                '"I know a joke," said {comp}, with a twinkle. "Do you want to hear it?"',
            ),
            R(
                '"What do you call a sleeping dinosaur? A dino-snore!"',
                '"What do you call a sleeping dinosaur?" {name} had no idea. "A dino-snore!"',
            ),
            R(
                "{name} giggled so much that {comp} started giggling too.",
                "{name} laughed so hard that {comp} started laughing too, and for a while neither of them could stop.",
                tiny="{name} giggled and giggled.",
            ),
        ),
        key="joke",
        mood="lively",
    ),
    Para(
        (
            R('"Let\'s do a silly dance!" said {name}.', tiny='"Dance time!" said {name}.'),
            R(
                "They wiggled their arms, stomped their feet and spun in circles.",
                "They wiggled their arms, stomped their feet, spun in circles and finished with a very wobbly bow.",
                tiny="Wiggle, stomp, spin!",
            ),
            R(
                "It was the silliest dance ever, and they both loved it.",
                "It was quite possibly the silliest dance in the history of dancing, and they both loved every second.",
            ),
        ),
        key="dance",
        mood="lively",
    ),
    Para(
        (
            R(
                "They played hide and seek.",
                "They played a game of hide and seek, taking turns to count.",
                tiny="Hide and seek!",
            ),
            R(
                "{comp} counted to ten, and {name} hid behind {detail}.",
                "{comp} covered both eyes and counted to ten, while {name} tiptoed off to hide behind {detail}.",
                tiny="{name} hid. Where is {name}?",
            ),
            R('"Found you!" laughed {comp}.', tiny='"Found you!" said {comp}.'),
            L('"Now it\'s my turn to count," said {name}.', tiny=()),
        ),
        key="hide",
        mood="lively",
    ),
    Para(
        (
            R(
                "After a while, they stopped for a rest.",
                "After a while, their legs felt tired, so they sat down for a rest.",
                tiny="Time for a rest.",
            ),
            R(
                "{name} had a drink of water, and {comp} had one too.",
                "{name} drank some cool water, and {comp} had a long, happy sip too.",
                tiny="Gulp, gulp, water.",
            ),
            R(
                '"Ah, that\'s better," said {name}, feeling ready to go again.',
                tiny='"Ah, that\'s better," said {name}.',
            ),
        ),
        key="rest",
    ),
    Para(
        (
            R(
                '"You are a really good friend," {name} told {comp}.',
                '"You know what? You are a really good friend," {name} told {comp}.',
            ),
            R(
                "{comp} smiled from ear to ear.",
                "{comp} smiled so widely that it seemed to light up the whole of {place}.",
                tiny="{comp} smiled a big smile.",
            ),
            R('"So are you," said {comp}.'),
            O("Kind words are like little presents, and they cost nothing at all to give."),
        ),
        key="kind-words",
    ),
    Para(
        (
            R(
                "They played the opposites game.",
                "To pass the time, they played the opposites game, which {comp} said was excellent for brains.",
                tiny="Let's play opposites!",
            ),
            R('"Big!" said {comp}. "Small!" said {name}.'),
            R('"Up!" said {comp}. "Down!" said {name}.'),
            L('"Fast!" said {comp}. "Slow!" said {name}, and they both laughed.'),
        ),
        key="opposites",
        mood="lively",
    ),
    Para(
        (
            R(
                "{name} stopped and listened very carefully.",
                "{name} stopped, closed both eyes and listened very carefully.",
                tiny="Shh. Listen.",
            ),
            R(
                "There was a buzz, a whoosh and a tiny tweet.",
                "There was a buzz, a whoosh, a faraway tweet and the gentle sound of {comp} breathing.",
                tiny="Buzz. Whoosh. Tweet.",
            ),
            R('"The world is full of music," said {name}.', tiny='"Music!" said {name}.'),
        ),
        key="listen",
        mood="lively",
    ),
    Para(
        (
            R(
                "{comp} told {name} a story about a little cloud that wanted to be a rainbow.",
                "While they walked, {comp} told {name} a story about a little cloud that wanted to be a rainbow.",
                tiny="{comp} told a story.",
            ),
            R(
                "In the end, the cloud met the sun, and together they made the brightest rainbow of all.",
                tiny="The cloud and the sun made a rainbow.",
            ),
            R('"I love happy endings," said {name}.'),
        ),
        key="story",
    ),
    Para(
        (
            R(
                "{name} found a smooth, round pebble.",
                "{name} found a smooth, round pebble that fitted perfectly in one hand.",
                tiny="{name} found a pebble.",
            ),
            R(
                "It was the perfect thing to keep as a souvenir.",
                "It would be the perfect thing to keep, to remember this day.",
                tiny="{name} kept it.",
            ),
            L("{name} popped it in a pocket, safe and sound.", tiny="In the pocket it went."),
        ),
        key="pebble",
        needs=("sand", "stream", "snow", "grass"),
    ),
    Para(
        (
            R(
                "A gentle breeze blew by.",
                "A gentle breeze came whispering by, cool and fresh.",
                tiny="Whoosh went the breeze.",
            ),
            R(
                "It tickled {name_s} nose and made {comp} sneeze.",
                "It tickled {name_s} nose, ruffled {comp_s} hair and made {comp} give a tiny sneeze.",
            ),
            R('"Bless you!" laughed {name}.', tiny='"Bless you!"'),
        ),
        key="breeze",
        needs=("outdoor", "wind", "sky"),
        mood="lively",
    ),
    Para(
        (
            R(
                "They made a daisy chain, one flower at a time.",
                "They sat down and made a long daisy chain, threading one flower through the next.",
                tiny="They made a flower chain.",
            ),
            R(
                "{name} put it on {comp} like a crown.",
                "When it was finished, {name} placed it carefully on {comp_s} head like a crown.",
            ),
            R('"Now you look like royalty!" giggled {name}.', tiny="{comp} wore a flower crown!"),
        ),
        key="daisy",
        needs=("grass", "plants"),
        mood="lively",
    ),
    Para(
        (
            R(
                "{name} and {comp} had a slow race, walking as slowly as snails.",
                "{name} and {comp} had the slowest race ever, walking as slowly as two sleepy snails.",
                tiny="A slow, slow race!",
            ),
            R(
                "Nobody won, because they were laughing too much to finish.",
                "Nobody won, because they were both laughing far too much to reach the finish.",
            ),
        ),
        key="slow-race",
        mood="lively",
    ),
    Para(
        (
            R(
                "They thought of all the things that made them happy.",
                "They took turns naming all the things that made them happy.",
                tiny="What makes you happy?",
            ),
            R(
                '"Sunny days," said {name}. "Good friends," said {comp}.',
                '"Sunny days and big hugs," said {name}. "Good friends and surprises," said {comp}.',
            ),
            L('"And {interest}!" added {name}.', tiny='"And {interest}!" said {name}.'),
        ),
        key="happy-things",
    ),
    Para(
        (
            R("{name} and {comp} played the animal sounds game.", tiny="Let's make animal sounds!"),
            R(
                '"What does the cow say?" asked {comp}. "Moo!" said {name}.',
                tiny="The cow says moo!",
            ),
            R('"What does the duck say?" "Quack, quack!"', tiny="The duck says quack, quack!"),
            L('"What does the sheep say?" "Baa!"', tiny="The sheep says baa!"),
            L(
                '"And what does the lion say?" "Roar!" said {name}, and they both giggled.',
                tiny="The lion says roar! Giggle, giggle.",
            ),
        ),
        key="animal-sounds",
        mood="lively",
    ),
    Para(
        (
            R("They named all the colours they could see.", tiny="What colours can you see?"),
            R(
                "Red like a strawberry, and yellow like a banana.",
                tiny="Red like a strawberry. Yellow like a banana.",
            ),
            R(
                "Green like a leaf, and blue like the sky.",
                tiny="Green like a leaf. Blue like the sky.",
            ),
            L("And {colour}, just like the drawing!", tiny="And {colour}, like the picture!"),
        ),
        key="colour-names",
    ),
    Para(
        (
            R('"Let\'s count to ten!" said {comp}.', tiny="Let's count to ten!"),
            R(
                '"One, two, three, four, five," counted {name}.',
                tiny="One, two, three, four, five.",
            ),
            R('"Six, seven, eight, nine, ten!"', tiny="Six, seven, eight, nine, ten!"),
            L("Hooray! {name} could count all the way to ten.", tiny="Hooray! Ten! Clever {name}!"),
        ),
        key="count-ten",
    ),
    Para(
        (
            R('"Let\'s play the wiggle game," said {name}.', tiny="Wiggle time!"),
            R(
                "They wiggled their fingers and wiggled their toes.",
                tiny="Wiggle your fingers. Wiggle your toes.",
            ),
            R(
                "They wiggled their noses and wiggled their knees.",
                tiny="Wiggle your nose. Wiggle your knees.",
            ),
            L(
                "Then they stood very, very still, and burst out laughing.",
                tiny="Now stop! Shh. Giggle!",
            ),
        ),
        key="wiggle",
        mood="lively",
    ),
    Para(
        (
            R("{comp} hid behind a big leaf.", tiny="{comp} hid. Where is {comp}?"),
            R('"Peekaboo!" said {comp}, and {name} laughed.', tiny="Peekaboo! There you are!"),
            R("Then it was {name_s} turn to hide.", tiny="Now {name} hid. Peekaboo!"),
        ),
        key="peekaboo",
        mood="lively",
    ),
    Para(
        (
            R("{comp} yawned a big, slow yawn.", tiny="{comp} yawned. Yawn!"),
            R("Then {name} yawned too.", tiny="{name} yawned too. Yawn!"),
            R("Even the moon looked as if it was yawning.", tiny="The moon yawned. Yawn!"),
            L("Yawns are catching, just like giggles.", tiny=()),
        ),
        key="yawns",
        mood="calm",
    ),
    Para(
        (
            R("The sleepy animals said goodnight.", tiny="The animals were sleepy."),
            R("The cow gave a soft, sleepy moo.", tiny="Moo, said the cow, softly."),
            R("The duck gave a quiet little quack.", tiny="Quack, said the duck, softly."),
            L("And the little lamb gave the tiniest baa.", tiny="Baa, said the lamb. Shh."),
        ),
        key="sleepy-sounds",
        mood="calm",
    ),
    Para(
        (
            R("{name} rocked gently, like a little boat on the sea.", tiny="Rock, rock, rock."),
            R("Rock, rock, rock, slowly, slowly.", tiny="Like a little boat."),
            R("Everything felt soft and calm.", tiny="Soft and calm. Shh."),
        ),
        key="rock",
        mood="calm",
    ),
)

# Used only when avoid-topics rule out everything a story type offers.
FALLBACK_COMPANIONS: tuple[Companion, ...] = (
    Companion(
        "robot",
        "a curious robot called Bolt",
        "Bolt",
        "his",
        "robot",
        ("beeped and whirred", "blinked his bright blue lights", "spun around on his wheels"),
        ("beeped", "said"),
    ),
    Companion(
        "friend",
        "a kind new friend called Sunny",
        "Sunny",
        "their",
        "friend",
        ("gave a friendly wave", "smiled a big smile", "did a little happy hop"),
    ),
)

FALLBACK_PROBLEMS: tuple[Problem, ...] = (
    Problem(
        "puzzle",
        "the Tricky Puzzle",
        (
            R(
                "Then they found a puzzle with one piece missing.",
                "Then they found a wooden puzzle, nearly finished but with one piece missing.",
                tiny="One puzzle piece was missing.",
            ),
            R('"Where could it be?" wondered {comp}.'),
        ),
        (
            R(
                "{name} looked high and low, and there it was, under a cushion.",
                "{name} looked high and low, thinking carefully, and found it tucked under a cushion.",
                tiny="{name} found it!",
            ),
            R("Click! The puzzle was finished.", tiny="Click!"),
        ),
    ),
)

# One bank per story type of the vocabulary, named after it (REAL_WORLD for real_world).
TYPES: dict[str, TypeBank] = {
    story_type: globals()[story_type.upper()] for story_type in STORY_TYPES
}
