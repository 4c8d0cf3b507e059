"""Reading CSV in the usual encodings and delimiters, and XLSX."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.errors import CrmError
from tasks.reading import read_table

ROWS = [["Название", "ИНН", "Телефон"], ["ООО «Ромашка»", "7707083893", "+7 (495) 123-45-67"]]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_encodings_and_delimiters(tmp_path, encoding, delimiter):
    path = tmp_path / "f.csv"
    path.write_bytes("\n".join(delimiter.join(r) for r in ROWS).encode(encoding))
    table = read_table(path)
    assert table.headers == ROWS[0]
    assert table.rows == [(2, dict(zip(ROWS[0], ROWS[1], strict=True)))]


def test_blank_lines_are_skipped_and_row_numbers_kept(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("a,b\n1,2\n,\n3,4\n")
    assert [n for n, _ in read_table(path).rows] == [2, 4]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.pdf", b"%PDF", "unsupported file type"),
        ("x.csv", b"", "the file is empty"),
        ("x.xlsx", b"not a zip", "not a readable XLSX"),
    ],
)
def test_unreadable_files_are_refused(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CrmError, match=message):
        read_table(path)


@given(
    st.lists(
        st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
        min_size=1,
        max_size=5,
    )
)
def test_any_quoted_cells_survive(tmp_path_factory, cells):
    path = tmp_path_factory.mktemp("h") / "f.csv"
    header = [f"c{i}" for i in range(len(cells))]
    quoted = ",".join('"' + c.replace('"', '""') + '"' for c in cells)
    path.write_text(",".join(header) + "\n" + quoted + "\n", encoding="utf-8")
    table = read_table(path)
    if any(c.strip() for c in cells):
        assert table.rows[0][1] == {h: c.strip() for h, c in zip(header, cells, strict=True)}
    else:
        assert table.rows == []
