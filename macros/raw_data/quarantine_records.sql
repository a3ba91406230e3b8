{#
    The quarantined rows of one validated raw table, in the shape of the quarantined_rows
    mart: table name, the key as text, the reason, how many copies were read, where the row
    came from, the value that did not parse (if that is the reason), and the whole row as JSON (the tables have different columns).
#}
{% macro quarantine_records(relation, table_name) %}
    {% set columns = raw_contract_columns(table_name) %}
    select
        '{{ table_name }}' as table_name,
        concat_ws('|', {% for column in columns.key %}cast({{ column }} as string){{ ", " if not loop.last }}{% endfor %}) as record_key,
        quarantine_reason,
        row_copies,
        source_file,
        source_row_number,
        invalid_value,
        {{ json_record(columns.key + columns['values']) }} as raw_record
    from {{ relation }}
    where quarantine_reason is not null
{% endmacro %}
