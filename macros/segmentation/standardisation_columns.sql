{#
    The columns of one model's standardisation artifact pivoted wide, for a query over the
    artifact's rows grouped by model: mean_<input>, std_<input>, null_fill_<input> and
    transform_<input> for every input, then n_inputs (the inputs the model stores).
#}
{% macro standardisation_columns(inputs) %}
    {% for column in inputs %}
        max(case when row_key = '{{ column }}' and column_key = 'mean' then value end)
            as mean_{{ column }},
        max(case when row_key = '{{ column }}' and column_key = 'std' then value end)
            as std_{{ column }},
        max(case when row_key = '{{ column }}' and column_key = 'null_fill' then value end)
            as null_fill_{{ column }},
        max(case when row_key = '{{ column }}' and column_key = 'transform' then text_value end)
            as transform_{{ column }},
    {% endfor %}
    count(distinct row_key) as n_inputs
{% endmacro %}
