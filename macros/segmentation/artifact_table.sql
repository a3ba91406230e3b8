{#
    The diagnostic table of one artifact of segment_model_artifacts (or of several matrices
    that share their row_key and column_key, a column each), from artifact_catalogue(): import
    the artifacts, keep the artifact's rows, pivot them (pivot_artifact) and cast the columns.

    Arguments: _segmentation__macros.yml (beside this file).
#}
{% macro artifact_table(artifact) %}
    {%- set catalogue = artifact_catalogue() -%}
    {%- set names = [artifact] if artifact is string else artifact -%}
    {%- for name in names if name not in catalogue -%}
        {{ exceptions.raise_compiler_error("artifact_table: '" ~ name ~ "' is not in artifact_catalogue()") }}
    {%- endfor -%}
    {%- set entry = catalogue[names[0]] -%}
    {%- set row_key = entry['row_key'] -%}
    {%- if 'columns' in entry -%}
        {%- if names | length > 1 -%}
            {{ exceptions.raise_compiler_error("artifact_table: only matrices can be combined, '" ~ names[0] ~ "' is a table") }}
        {%- endif -%}
        {%- set columns = entry['columns'] -%}
        {%- set value_columns = columns | rejectattr(1, 'equalto', 'varchar') | map(attribute=0) | list -%}
        {%- set text_columns = columns | selectattr(1, 'equalto', 'varchar') | map(attribute=0) | list -%}
    {%- else -%}
        {%- set column_key = entry['column_key'] -%}
        {%- set columns = [] -%}
        {%- for name in names -%}
            {%- do columns.append(catalogue[name]['value']) -%}
        {%- endfor -%}
    {%- endif %}
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

artifact_rows as (

    select * from artifacts
    where artifact in ('{{ names | join("', '") }}')

),

pivoted as (

    {%- if 'columns' in entry %}

    {{ pivot_artifact('artifact_rows', row_key[0], value_columns, text_columns) }}
    {%- else %}

    select
        model_id,
        scheme,
        as_of_date,
        row_key as {{ row_key[0] }},
        column_key as {{ column_key[0] }}
        {%- for name in names %},
        max(case when artifact = '{{ name }}' then value end) as {{ catalogue[name]['value'][0] }}
        {%- endfor %}
    from artifact_rows
    group by model_id, scheme, as_of_date, row_key, column_key
    {%- endif %}

),

final as (

    select
        model_id,
        scheme,
        as_of_date
        {%- for column in [row_key] + ([] if 'columns' in entry else [column_key]) + columns %},
        {% if column[1] in ('double', 'varchar') -%}
            {{ column[0] }}
        {%- else -%}
            cast({{ column[0] }} as {{ column[1] }}) as {{ column[0] }}
        {%- endif %}
        {%- endfor %}
    from pivoted

)

select * from final
{% endmacro %}
