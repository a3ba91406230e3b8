-- Anti-image matrices (反映像矩阵, SPSS FACTOR's "Anti-image Matrices", scheme A): the
-- anti-image covariance and correlation of each pair of inputs. The correlation's diagonal is
-- the input's measure of sampling adequacy (MSA, its KMO in segment_kmo).
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        row_key as input_name,
        column_key as other_input_name,
        row_key = column_key as is_diagonal,
        max(case when artifact = 'anti_image_covariance' then value end)
            as anti_image_covariance,
        max(case when artifact = 'anti_image_correlation' then value end)
            as anti_image_correlation
    from artifacts
    where artifact in ('anti_image_covariance', 'anti_image_correlation')
    group by model_id, scheme, as_of_date, row_key, column_key

)

select * from final
