{#
    One artifact of segment_model_artifacts as a table: a row per (model, row_key), a column
    per listed column_key.

    Arguments: _segmentation__macros.yml (beside this file).
#}
{% macro pivot_artifact(relation, row_key_as, value_columns=[], text_columns=[]) %}
    select
        model_id,
        scheme,
        as_of_date,
        row_key as {{ row_key_as }}
        {%- for column in value_columns %},
            max(case when column_key = '{{ column }}' then value end) as {{ column }}
        {%- endfor %}
        {%- for column in text_columns %},
            max(case when column_key = '{{ column }}' then text_value end) as {{ column }}
        {%- endfor %}
    from {{ relation }}
    group by model_id, scheme, as_of_date, row_key
{% endmacro %}
