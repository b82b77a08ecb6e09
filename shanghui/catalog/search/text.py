"""Text as search sees it: normalised, cut into runs of Chinese characters, Latin letters and digits,
split into the parts of a name, without question and filler words, and read as pinyin.

Nothing here knows the catalogue; the same text gives the same answer in every process.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN_RE = re.compile(rf"[{CJK}]+|[a-z]+|[0-9]+")
_CJK_RE = re.compile(rf"^[{CJK}]+$")
_PART_SPLIT_RE = re.compile(r"[\s()\[\]{}<>《》“”\"'‘’、,，.。;；:：/\\|!！?？·\-—_]+")
# A bracketed insert of a (normalised) name: 居民身份证(含临时)办理, 发票验(交)旧. Innermost first.
_INSERT_RE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕")
# Latin words separated by spaces: pinyin typed syllable by syllable (ju min shen fen zheng).
_SPACED_LATIN_RE = re.compile(r"[a-z]+(?:\s+[a-z]+)+")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Question and filler words: dropped from queries (only as whole words, so 要 in 要求 stays).
STOP_WORDS = _words(
    """
    怎么办 怎么 怎样 怎么样 如何 哪里 哪儿 在哪 在哪里 在哪儿 去哪 去哪里 去哪儿 到哪 到哪里 哪个 哪些 哪家
    什么 啥 咋 咋办 咋弄 为什么 为啥 吗 么 呢 吧 啊 呀 哦 嘛 了 的 地 得 着 过 之 呗
    我 我们 俺 你 您 你们 他 她 它 他们 自己 本人 人家
    要 想 想要 我要 我想 打算 准备 需要 需 须 必须 可以 可 能 能不能 能否 会 是否 是不是 有没有 行不行
    请问 请 问 问下 问一下 咨询一下 帮 帮我 帮忙 麻烦 一下 下 谢谢
    办理 办 弄 搞 整 去 来 到 在 给 把 被 让 和 与 及 或 或者 还是 跟 同 对 向 从 为 以 于
    就 都 也 又 再 才 还 很 太 更 最 挺 非常 已 已经 刚 刚刚 正在 马上 现在 今天 明天
    多少 多久 几天 多长时间 时间 时候 时 之后 以后 后 之前 以前 前 期间
    流程 手续 步骤 材料 资料 东西 事情 事儿 事 问题 情况 相关 有关 方面 关于
    一个 个 这个 那个 这 那 这样 那样 哪 某 些 一些 等 及其 以及
    应该 该 得要 如果 要是 的话 但是 但 可是 因为 所以
    """
)

SYLLABLES = _words(
    """
    a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai can cang cao
    ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan chuang chui
    chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de dei den deng di dia dian diao die
    ding diu dong dou du duan dui dun duo e ei en eng er fa fan fang fei fen feng fo fou fu ga gai gan
    gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo ha hai han hang hao he hei hen
    heng hong hou hu hua huai huan huang hui hun huo ji jia jian jiang jiao jie jin jing jiong jiu ju
    juan jue jun ka kai kan kang kao ke kei ken keng kong kou ku kua kuai kuan kuang kui kun kuo la lai
    lan lang lao le lei leng li lia lian liang liao lie lin ling liu lo long lou lu luan lun luo lv lve
    ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo mou mu na nai nan nang nao ne
    nei nen neng ni nian niang niao nie nin ning niu nong nou nu nuan nun nuo nv nve o ou pa pai pan
    pang pao pei pen peng pi pian piao pie pin ping po pou pu qi qia qian qiang qiao qie qin qing qiong
    qiu qu quan que qun ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo sa sai san sang sao
    se sen seng sha shai shan shang shao she shei shen sheng shi shou shu shua shuai shuan shuang shui
    shun shuo si song sou su suan sui sun suo ta tai tan tang tao te teng ti tian tiao tie ting tong tou
    tu tuan tui tun tuo wa wai wan wang wei wen weng wo wu xi xia xian xiang xiao xie xin xing xiong xiu
    xu xuan xue xun ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun za zai zan zang zao ze
    zei zen zeng zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan
    zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo
    """
)
_SYLLABLE_PREFIXES = frozenset(s[:i] for s in SYLLABLES for i in range(1, len(s) + 1))


def normalise(text: str) -> str:
    """NFKC (full-width letters, digits and brackets become ASCII), lower case, trimmed."""
    return unicodedata.normalize("NFKC", text or "").lower().strip()


def is_cjk(text: str) -> bool:
    return bool(_CJK_RE.match(text))


def split_parts(text: str) -> list[str]:
    """Parts of a name between punctuation and brackets: 居民身份证办理（包括临时） → 居民身份证办理, 包括临时."""
    return [p for p in _PART_SPLIT_RE.split(normalise(text)) if len(p) >= 2]


def without_inserts(text: str) -> str:
    """A normalised name without its bracketed inserts: 居民身份证(含临时)办理 → 居民身份证办理.
    Citizens leave out what officials put in brackets, and the words on both sides of an insert
    then meet (身份证办理, 查阅 in 档案查(借)阅)."""
    while True:
        stripped = _INSERT_RE.sub("", text)
        if stripped == text:
            return stripped.strip()
        text = stripped


def join_spaced_pinyin(text: str) -> str:
    """Pinyin typed with spaces between syllables or words (ju min shen fen zheng, shebao zhuanyi)
    as one run (juminshenfenzheng): the pinyin readers match whole phrases, and one syllable on its
    own stands for hundreds of characters. A word joins the run before it only while the run is still
    pinyin (the last syllable may be unfinished: shen fen zh); first letters (sfz jh) stay apart."""

    def join(match: re.Match[str]) -> str:
        words = match.group().split()
        joined = [words[0]]
        for word in words[1:]:
            if parse_pinyin(joined[-1]) is not None and parse_pinyin(joined[-1] + word) is not None:
                joined[-1] += word
            else:
                joined.append(word)
        return " ".join(joined)

    return _SPACED_LATIN_RE.sub(join, text)


def parse_pinyin(run: str) -> list[str] | None:
    """Split a Latin run into pinyin syllables (fewest syllables wins); the last may be incomplete
    (typing in progress). None when the run is not pinyin, e.g. first letters such as sfz."""
    n = len(run)
    best: list[tuple[int, int] | None] = [None] * (n + 1)  # (syllable count, previous index)
    best[0] = (0, -1)
    for i in range(n):
        if best[i] is None:
            continue
        count = best[i][0]  # type: ignore[index]  # checked above
        for j in range(i + 1, min(n, i + 6) + 1):
            piece = run[i:j]
            if piece in SYLLABLES or (j == n and piece in _SYLLABLE_PREFIXES and count > 0):
                current = best[j]
                if current is None or count + 1 < current[0]:
                    best[j] = (count + 1, i)
    if best[n] is None:
        return None
    syllables: list[str] = []
    j = n
    while j > 0:
        i = best[j][1]  # type: ignore[index]  # every reached index has a predecessor
        syllables.append(run[i:j])
        j = i
    syllables.reverse()
    return syllables


@lru_cache(maxsize=200_000)
def token_pinyin(token: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Toneless pinyin and first letters of each character of a Chinese token, cached per token:
    catalogue text repeats the same words thousands of times. First letters come from
    `Style.FIRST_LETTER` (not `INITIALS`, which has no initial for 医 or 无)."""
    full = lazy_pinyin(token)
    first = lazy_pinyin(token, style=Style.FIRST_LETTER)
    if len(full) != len(token) or len(first) != len(token):
        full = [lazy_pinyin(ch)[0] for ch in token]
        first = [p[:1] for p in full]
    return tuple(full), tuple(first)


def runs(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, text) of each run of Chinese characters, of Latin letters and of digits."""
    for m in _RUN_RE.finditer(text):
        yield m.start(), m.end(), m.group()


def typed_part(text: str, typed: str) -> str:
    """The characters of `text` whose pinyin the Latin input `typed` covers (shenfenzh → 身份证)."""
    length = 0
    for k, ch in enumerate(text):
        length += len(token_pinyin(ch)[0][0]) if is_cjk(ch) else 1
        if length >= len(typed):
            return text[: k + 1]
    return text
