{#
    Collapse rows that are equal in every contract column (a file sent twice) into one, and
    count how many distinct versions share each key, so a validated model can quarantine
    keys with conflicting versions.

    Arguments:
    - relation: the staging relation or CTE to read (contract columns plus source_file and
      source_row_number).
    - table_name: the raw table, whose columns come from raw_contract_columns().

    Returns a select with the contract columns plus
    - row_copies: how many identical rows were read (1 = no duplicate);
    - key_versions: how many distinct rows share this key (> 1 = conflicting versions);
    - source_file, source_row_number: the file and 1-based row of one of the copies.
#}
{% macro collapse_exact_duplicates(relation, table_name) %}
    {% set columns = raw_contract_columns(table_name) %}
    select
        {% for column in columns.key + columns['values'] %}
            {{ column }},
        {% endfor %}
        count(*) as row_copies,
        count(*) over (partition by {{ columns.key | join(', ') }}) as key_versions,
        min(source_row_number) as source_row_number,
        arg_min(source_file, source_row_number) as source_file
    from {{ relation }}
    group by {{ (columns.key + columns['values']) | join(', ') }}
{% endmacro %}
