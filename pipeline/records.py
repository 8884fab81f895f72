"""Moved to :mod:`pipeline.document` (issue 10): numbers, headers, records, logical; this module only re-exports the
old names for code that still imports them from here."""

from pipeline.document.headers import (  # noqa: F401
    _ORDINAL_1,
    _ORDINAL_2,
    _TOTAL,
    _is_column_numbers,
    _rows_of,
    anchor_row,
    header_labels,
    header_row_count,
    is_data_row,
    top_left_cells,
)
from pipeline.document.logical import (  # noqa: F401
    _columns_of,
    block_rows,
    logical_tables,
)
from pipeline.document.numbers import (  # noqa: F401
    _CODE,
    _NA,
    _NUMBER,
    _UNIT,
    MAX_DIGITS,
    ValueStatus,
    decimals_of,
    is_amount,
    parse_value,
    unit_from_caption,
)
from pipeline.document.records import (  # noqa: F401
    _CODE_AND_NAME,
    IDENTITY_KEYS,
    LEVEL_BY_LENGTH,
    RECORD_FIELDS,
    UNTYPED_CONFIDENCE,
    LogicalTable,
    Record,
    Row,
    ValueCell,
    _code_text,
    _misplaced_in_code_column,
    _subject,
    clean_name,
    column_groups,
    column_spans,
    fragment_columns,
    is_identity,
    odd_code,
    records_of,
    split_code_and_name,
    table_rows,
)
