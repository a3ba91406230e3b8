{#
    Collapse rows that are equal in every contract column (a file sent twice) into one, and
    count how many distinct versions share each key, so a validated model can quarantine
    keys with conflicting versions.

    Arguments: _raw_data__macros.yml (beside this file).

    Returns a select with the contract columns and invalid_value (a value that did not parse,
    compared like a contract column) plus
    - row_copies: how many identical rows were read (1 = no duplicate);
    - key_versions: how many distinct rows share this key (> 1 = conflicting versions; 1 for
      a row without a whole key, which shares no key);
    - source_file_id, source_row_number: the file (raw_file_id) and 1-based row of the first
      copy (the file name itself is looked up only for the rows that need it:
      raw_file_names below).

    Written for hundreds of millions of balance rows, where almost every key occurs once: a
    pass counts the rows per hash of the key (one number per row, the cheapest grouping
    there is); the rows whose key hash occurs once pass straight through; only the rare
    others (a repeated key, or a hash shared by chance) are grouped by their exact key, and
    those with conflicting values again by every column to list their versions. Grouping every
    row by its key with the values as aggregates costs several times more.
#}
{% macro collapse_exact_duplicates(relation, table_name) %}
    {%- set columns = raw_contract_columns(table_name) -%}
    {#- a per-day table's versions of a key are compared within a day (raw_contract_columns'
        day), whether or not the key holds it: a batch holds many days, and versions on two
        days are the readers' to judge (int_trade_key_conflicts) -#}
    {%- set day = columns.get('day') -%}
    {%- set keys = columns.key + ([day] if day and day not in columns.key else []) -%}
    {%- set values = [] -%}
    {%- for column in columns['values'] + ['invalid_value'] if column not in keys -%}
        {%- do values.append(column) -%}
    {%- endfor -%}
    {#- the contract's column order, whatever the key -#}
    {%- set output = [] -%}
    {%- for column in columns.key + columns['values'] + ['invalid_value'] -%}
        {%- do output.append(column) -%}
    {%- endfor -%}
    with

    repeated_key_hashes as (

        select {{ hash_of(keys) }} as key_hash
        from {{ relation }}
        group by {{ hash_of(keys) }}
        having count(*) > 1

    ),

    single_rows as (

        select
            {% for column in output %}rows_read.{{ column }},
            {% endfor -%}
            1 as row_copies,
            1 as key_versions,
            rows_read.source_row_number,
            rows_read.source_file_id
        from {{ relation }} as rows_read
        left join repeated_key_hashes
            on {{ hash_of(keys, 'rows_read') }} = repeated_key_hashes.key_hash
        where repeated_key_hashes.key_hash is null

    ),

    repeated_rows as (

        select rows_read.*
        from {{ relation }} as rows_read
        inner join repeated_key_hashes
            on {{ hash_of(keys, 'rows_read') }} = repeated_key_hashes.key_hash

    ),

    per_key as (

        select
            {% for column in keys %}{{ column }},
            {% endfor %}
            {%- for column in values %}
                min({{ column }}) as {{ column }},
            {%- endfor %}
            count(*) as row_copies,
            min(source_row_number) as source_row_number,
            {{ arg_min_of('source_file_id', 'source_row_number') }} as source_file_id,
            -- one version: every column all null, or never null with a single value
            {% for column in values -%}
                (count({{ column }}) = 0
                or (count({{ column }}) = count(*) and min({{ column }}) = max({{ column }})))
                {{- " and" if not loop.last }}
            {% endfor -%}
            as has_one_version
        from repeated_rows
        group by {{ keys | join(', ') }}

    ),

    conflicting_versions as (

        select
            {% for column in keys + values %}rows_of_key.{{ column }},
            {% endfor -%}
            count(*) as row_copies,
            min(rows_of_key.source_row_number) as source_row_number,
            {{ arg_min_of('rows_of_key.source_file_id', 'rows_of_key.source_row_number') }}
                as source_file_id
        from repeated_rows as rows_of_key
        inner join per_key
            on
                {% for column in keys -%}
                    rows_of_key.{{ column }} is not distinct from per_key.{{ column }}
                    {{- " and" if not loop.last }}
                {% endfor %}
        where not per_key.has_one_version
        group by
            {% for column in keys + values -%}
                rows_of_key.{{ column }}{{ "," if not loop.last }}
            {% endfor %}

    )

    select * from single_rows

    union all

    select
        {% for column in output %}{{ column }},
        {% endfor -%}
        row_copies,
        1 as key_versions,
        source_row_number,
        source_file_id
    from per_key
    where has_one_version

    union all

    select
        {% for column in output %}{{ column }},
        {% endfor -%}
        row_copies,
        -- rows without a (whole) key share no key: each is its own (missing_key)
        case
            when {% for column in keys %}{{ column }} is not null{{ " and " if not loop.last }}{% endfor %}
                then count(*) over (partition by {{ keys | join(', ') }})
            else 1
        end as key_versions,
        source_row_number,
        source_file_id
    from conflicting_versions
{% endmacro %}

{#
    Lineage at the cost of a number per row: staging gives every row raw_file_id(file name),
    the deduplication carries that id, and a validated model names the file only where the
    quarantine needs it (a quarantined row, or a row read more than once), from the few
    distinct files of its batch.
#}
{% macro raw_file_id(column) -%}
    {{ hash_of([column]) }}
{%- endmacro %}

{# A 64-bit hash of the columns (qualified by relation when given): DuckDB's hash, Spark's xxhash64. #}
{% macro hash_of(columns, relation=none) -%}
    {%- set qualified = [] -%}
    {%- for column in columns -%}
        {%- do qualified.append((relation ~ '.' if relation else '') ~ column) -%}
    {%- endfor -%}
    {{ return(adapter.dispatch('hash_of', 'broker_segments')(qualified)) }}
{%- endmacro %}

{% macro default__hash_of(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__hash_of(columns) -%}
    xxhash64({{ columns | join(', ') }})
{%- endmacro %}

{# The value of `value` on the row with the least `ordering`. #}
{% macro arg_min_of(value, ordering) -%}
    {{ return(adapter.dispatch('arg_min_of', 'broker_segments')(value, ordering)) }}
{%- endmacro %}

{% macro default__arg_min_of(value, ordering) -%}
    arg_min({{ value }}, {{ ordering }})
{%- endmacro %}

{% macro spark__arg_min_of(value, ordering) -%}
    min_by({{ value }}, {{ ordering }})
{%- endmacro %}

{% macro raw_file_names(relation) -%}
    select distinct source_file_id, source_file from {{ relation }}
{%- endmacro %}

{# A validated model's last step: its checked rows, with source_file named where needed. #}
{% macro name_source_files(checked, rows_read) -%}
    select
        {{ checked }}.*,
        source_files.source_file
    from {{ checked }}
    left join ({{ raw_file_names(rows_read) }}) as source_files
        on
            {{ checked }}.source_file_id = source_files.source_file_id
            and ({{ checked }}.quarantine_reason is not null or {{ checked }}.row_copies > 1)
{%- endmacro %}
