{#
    Collapse rows that are equal in every contract column (a file sent twice) into one, and
    count how many distinct versions share each key, so a validated model can quarantine
    keys with conflicting versions.

    Arguments:
    - relation: the staging relation or CTE to read (contract columns plus invalid_value,
      source_file and source_row_number).
    - table_name: the raw table, whose columns come from raw_contract_columns().

    Returns a select with the contract columns and invalid_value (a value that did not parse,
    compared like a contract column) plus
    - row_copies: how many identical rows were read (1 = no duplicate);
    - key_versions: how many distinct rows share this key (> 1 = conflicting versions);
    - source_file, source_row_number: the file and 1-based row of one of the copies.

    Written for the large tables: rows are grouped by key only (a key whose rows all hold one
    value per column is one version), and only the rare keys with conflicting values are
    grouped again by every column to list their versions. A window over all rows, or a group
    by every column, costs several times more on hundreds of millions of balance rows.
#}
{% macro collapse_exact_duplicates(relation, table_name) %}
    {%- set columns = raw_contract_columns(table_name) -%}
    {%- set keys = columns.key -%}
    {%- set values = columns['values'] + ['invalid_value'] -%}
    with

    per_key as (

        select
            {% for column in keys %}{{ column }},
            {% endfor %}
            {%- for column in values %}
                min({{ column }}) as {{ column }},
            {%- endfor %}
            count(*) as row_copies,
            min(source_row_number) as source_row_number,
            arg_min(source_file, source_row_number) as source_file,
            -- one version: every column all null, or never null with a single value
            {% for column in values -%}
                (count({{ column }}) = 0
                or (count({{ column }}) = count(*) and min({{ column }}) = max({{ column }})))
                {{- " and" if not loop.last }}
            {% endfor -%}
            as has_one_version
        from {{ relation }}
        group by {{ keys | join(', ') }}

    ),

    conflicting_versions as (

        select
            {% for column in keys + values %}rows_of_key.{{ column }},
            {% endfor -%}
            count(*) as row_copies,
            min(rows_of_key.source_row_number) as source_row_number,
            arg_min(rows_of_key.source_file, rows_of_key.source_row_number) as source_file
        from {{ relation }} as rows_of_key
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

    select
        {% for column in keys + values %}{{ column }},
        {% endfor -%}
        row_copies,
        1 as key_versions,
        source_row_number,
        source_file
    from per_key
    where has_one_version

    union all

    select
        {% for column in keys + values %}{{ column }},
        {% endfor -%}
        row_copies,
        count(*) over (partition by {{ keys | join(', ') }}) as key_versions,
        source_row_number,
        source_file
    from conflicting_versions
{% endmacro %}
